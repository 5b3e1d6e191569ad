package dev.rewind.edge.http;

import io.helidon.http.Header;
import io.helidon.webserver.http.Filter;
import io.helidon.webserver.http.FilterChain;
import io.helidon.webserver.http.RoutingRequest;
import io.helidon.webserver.http.RoutingResponse;

/**
 * Refuses requests whose headers exceed {@code http.max_header_bytes} with 431 and a reason.
 * Helidon itself stops reading at twice that (a hard bound on memory), but answers that with a
 * bare 400 that cannot say why, so the configured limit is enforced here.
 */
public final class HeaderLimit implements Filter {

    private final int maxHeaderBytes;

    public HeaderLimit(int maxHeaderBytes) {
        this.maxHeaderBytes = maxHeaderBytes;
    }

    /** The size Helidon's parser is given: beyond the configured limit, so that this filter can answer first. */
    public static int parserLimit(int maxHeaderBytes) {
        return Math.multiplyExact(maxHeaderBytes, 2);
    }

    @Override
    public void filter(FilterChain chain, RoutingRequest req, RoutingResponse res) {
        long size = 0;
        for (Header header : req.headers()) {
            // name, ": ", the values joined by ", ", CRLF: as the header would be on the wire
            size += header.name().length() + 4 + String.join(", ", header.allValues()).length();
        }
        if (size > maxHeaderBytes) {
            Problem.send(res, 431, "Request Header Fields Too Large",
                    "the request headers are larger than " + maxHeaderBytes + " bytes");
            return;
        }
        chain.proceed();
    }
}
