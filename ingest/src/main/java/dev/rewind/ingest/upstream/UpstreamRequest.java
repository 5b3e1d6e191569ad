package dev.rewind.ingest.upstream;

import java.net.URI;
import java.util.Map;

/** An HTTP request to an upstream, ready to send. {@code headers} may hold the API key: never log them. */
public record UpstreamRequest(URI uri, Map<String, String> headers, byte[] body) {

    @Override
    public String toString() {
        return "UpstreamRequest[" + uri + ", " + body.length + " bytes]";
    }
}
