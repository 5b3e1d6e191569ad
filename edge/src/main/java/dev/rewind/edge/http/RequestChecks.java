package dev.rewind.edge.http;

import io.helidon.http.Header;
import io.helidon.webserver.http.Filter;
import io.helidon.webserver.http.FilterChain;
import io.helidon.webserver.http.RoutingRequest;
import io.helidon.webserver.http.RoutingResponse;

/**
 * Checks every request before routing, answering with problem JSON:
 * <ul>
 *   <li>headers over {@code http.max_header_bytes} → 431. Helidon itself stops reading at twice
 *       that (a hard bound on memory) but answers that with a bare 400 that cannot say why;</li>
 *   <li>a query that is not visible ASCII with valid percent-encoding → 400. Helidon's own query
 *       validation is off because 4.2.0 refuses RFC 3986's ':' in a query value, and a bad
 *       escape would otherwise fail later, in a handler, as a 500.</li>
 * </ul>
 */
public final class RequestChecks implements Filter {

    private final int maxHeaderBytes;

    public RequestChecks(int maxHeaderBytes) {
        this.maxHeaderBytes = maxHeaderBytes;
    }

    /** The size Helidon's parser is given: beyond the configured limit, so that this filter can answer first. */
    public static int parserLimit(int maxHeaderBytes) {
        return Math.multiplyExact(maxHeaderBytes, 2);
    }

    @Override
    public void filter(FilterChain chain, RoutingRequest req, RoutingResponse res) {
        if (headerBytes(req) > maxHeaderBytes) {
            Problem.send(res, 431, "Request Header Fields Too Large",
                    "the request headers are larger than " + maxHeaderBytes + " bytes");
            return;
        }
        if (!validQuery(req.prologue().query().rawValue())) {
            Problem.badRequest(res, "the query string must be visible ASCII with valid percent-encoding (%XX)");
            return;
        }
        chain.proceed();
    }

    private static long headerBytes(RoutingRequest req) {
        long size = 0;
        for (Header header : req.headers()) {
            // name, ": ", the values joined by ", ", CRLF: as the header would be on the wire
            size += header.name().length() + 4 + String.join(", ", header.allValues()).length();
        }
        return size;
    }

    static boolean validQuery(String raw) {
        if (raw == null) {
            return true;
        }
        for (int i = 0; i < raw.length(); i++) {
            char c = raw.charAt(i);
            if (c <= 0x20 || c >= 0x7F) {
                return false;
            }
            if (c == '%' && (i + 2 >= raw.length() || !isHex(raw.charAt(i + 1)) || !isHex(raw.charAt(i + 2)))) {
                return false;
            }
        }
        return true;
    }

    private static boolean isHex(char c) {
        return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
    }
}
