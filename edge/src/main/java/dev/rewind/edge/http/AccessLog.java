package dev.rewind.edge.http;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.rewind.protocol.Json;
import io.helidon.webserver.http.Filter;
import io.helidon.webserver.http.FilterChain;
import io.helidon.webserver.http.RoutingRequest;
import io.helidon.webserver.http.RoutingResponse;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One structured line per request on the {@code dev.rewind.edge.access} logger: method, path with
 * secret query parameters redacted, status, duration, bytes written and the remote address. Header
 * values are never logged, so neither API keys nor tokens (Authorization, Cookie) can appear.
 * Our own filter because Helidon 4.2.0's access-log module is incomplete (DESIGN §9).
 */
public final class AccessLog implements Filter {

    private static final Logger LOG = LoggerFactory.getLogger("dev.rewind.edge.access");
    /** Query parameters whose values are secrets; compared case-insensitively, after decoding. */
    private static final Set<String> SECRET_PARAMETERS = Set.of("access_token", "token", "api_key", "key");
    static final String REDACTED = "REDACTED";

    @Override
    public void filter(FilterChain chain, RoutingRequest req, RoutingResponse res) {
        long started = System.nanoTime();
        // the prologue's path is the whole one; req.path() becomes relative to the service that matched
        String target = redactedTarget(req.prologue().uriPath().rawPath(), req.prologue().query().rawValue());
        try {
            chain.proceed();
        } finally {
            if (LOG.isInfoEnabled()) {
                ObjectNode line = Json.MAPPER.createObjectNode();
                line.put("method", req.prologue().method().text());
                line.put("path", target);
                line.put("status", res.status().code());
                line.put("duration_ms", (System.nanoTime() - started) / 1_000_000);
                line.put("bytes", res.bytesWritten());
                line.put("remote", req.remotePeer().host());
                LOG.info("{}", Json.toString(line));
            }
        }
    }

    /** The request target as logged: the raw path and query with every secret parameter's value replaced. */
    static String redactedTarget(String rawPath, String rawQuery) {
        if (rawQuery == null || rawQuery.isEmpty()) {
            return rawPath;
        }
        StringBuilder target = new StringBuilder(rawPath).append('?');
        String[] pairs = rawQuery.split("&", -1);
        for (int i = 0; i < pairs.length; i++) {
            if (i > 0) {
                target.append('&');
            }
            String pair = pairs[i];
            int eq = pair.indexOf('=');
            String name = eq < 0 ? pair : pair.substring(0, eq);
            if (eq >= 0 && SECRET_PARAMETERS.contains(decoded(name).toLowerCase(Locale.ROOT))) {
                target.append(name).append('=').append(REDACTED);
            } else {
                target.append(pair);
            }
        }
        return target.toString();
    }

    private static String decoded(String name) {
        try {
            return URLDecoder.decode(name, StandardCharsets.UTF_8);
        } catch (IllegalArgumentException e) {
            return name;
        }
    }
}
