package dev.rewind.sim;

import java.util.List;

/** A provider's streaming wire format: how a planned completion is written, and what an in-band error looks like. */
sealed interface StreamFormat permits ChatCompletionsFormat, AnthropicFormat, ResponsesFormat {

    String contentType();

    List<StreamFrame> stream(SimulatedCompletion plan, long created, com.fasterxml.jackson.databind.JsonNode request);

    /** The bytes of an error reported inside a 200 stream (overload), after which the stream ends unterminated. */
    byte[] inBandError();
}
