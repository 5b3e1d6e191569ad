package dev.rewind.edge.compat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.rewind.edge.EdgeConfig;
import dev.rewind.edge.http.ProblemException;
import dev.rewind.edge.session.SessionCreation;
import dev.rewind.protocol.Json;
import dev.rewind.protocol.RequestRecord.ChatMessage;
import io.helidon.webserver.http.ServerRequest;
import java.io.IOException;
import java.util.List;

/** What both dialects' request readers share: the JSON body, and {@code model} as {@code upstream/model}. */
final class CompatRequests {

    private CompatRequests() {}

    static JsonNode json(ServerRequest req, String what) {
        if (!req.content().hasEntity()) {
            throw ProblemException.badRequest("the body is empty; send " + what);
        }
        try {
            return Json.MAPPER.readTree(req.content().inputStream());
        } catch (IOException e) {
            throw ProblemException.badRequest("the body is not valid JSON");
        }
    }

    /**
     * The session request: a {@code model} whose part before the first '/' names a configured
     * upstream goes to that upstream with the rest as model; any other model (slashes and all) to
     * the default upstream.
     */
    static SessionCreation.Request session(EdgeConfig config, String model, List<ChatMessage> messages, ObjectNode params,
            String conversationId) {
        int slash = model.indexOf('/');
        if (slash > 0 && config.upstreams().containsKey(model.substring(0, slash))) {
            return new SessionCreation.Request(model.substring(0, slash), model.substring(slash + 1), messages, params, conversationId);
        }
        return new SessionCreation.Request(null, model, messages, params, conversationId);
    }
}
