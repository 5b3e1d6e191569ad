package dev.rewind.client;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;

/** Turns an RFC 9457 problem answer into a {@link RewindClientException} that carries its detail. */
final class Problems {

    private Problems() {}

    static RewindClientException exception(ObjectMapper mapper, String code, String what, int status, String body) {
        String detail = null;
        try {
            JsonNode problem = mapper.readTree(body);
            if (problem != null && problem.isObject()) {
                detail = problem.hasNonNull("detail") ? problem.get("detail").asText()
                        : problem.hasNonNull("title") ? problem.get("title").asText() : null;
            }
        } catch (IOException e) {
            // not problem JSON: the status says enough
        }
        return new RewindClientException(code, what + ": HTTP " + status + (detail == null ? "" : " — " + detail),
                status, detail, null);
    }
}
