package dev.rewind.edge.http;

import io.helidon.http.DirectHandler;
import io.helidon.http.HeaderNames;
import io.helidon.http.HttpException;
import io.helidon.http.ServerResponseHeaders;
import io.helidon.http.Status;
import io.helidon.webserver.http.DirectHandlers;
import io.helidon.webserver.http.HttpRouting;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Every error answer is problem JSON, never Helidon's plain text or a stack trace: refusals thrown
 * by handlers, Helidon's own HTTP exceptions, unexpected failures (500, detail kept in the server
 * log) and transport errors found before routing (oversized headers or body, unparsable requests).
 */
public final class ProblemHandlers {

    private static final Logger LOG = LoggerFactory.getLogger(ProblemHandlers.class);

    private ProblemHandlers() {}

    /** Error handlers of the routing; register before the services. */
    public static void register(HttpRouting.Builder routing) {
        routing.error(ProblemException.class, (req, res, problem) -> Problem.send(res, problem));
        routing.error(HttpException.class, (req, res, e) -> {
            int status = e.status().code();
            Problem.send(res, status, Problem.titleOf(status), safeDetail(status));
        });
        routing.error(RuntimeException.class, (req, res, e) -> {
            if (res.isSent()) {
                // mostly a client that went away while its answer was streaming
                LOG.debug("{} {} failed after its answer began: {}", req.prologue().method().text(), req.path().path(),
                        e.toString());
                return;
            }
            LOG.error("{} {} failed", req.prologue().method().text(), req.path().path(), e);
            Problem.send(res, 500, "Internal Server Error", "the edge failed to answer; the failure is logged");
        });
    }

    /** The answer to every path no service knows; register last. */
    public static void registerFallback(HttpRouting.Builder routing) {
        routing.any((req, res) -> Problem.notFound(res, "no such resource"));
    }

    /**
     * Transport errors (found while reading the request, before routing). Helidon's own messages
     * may quote the request line, which may hold a token, so the detail is ours. Helidon 4.2.0
     * answers headers over its limit with a bare 400 and no reason, so {@link RequestChecks} gives
     * the 431 below that limit.
     */
    public static DirectHandlers directHandlers(long maxHeaderBytes, long maxRequestBytes) {
        DirectHandlers.Builder builder = DirectHandlers.builder();
        for (DirectHandler.EventType type : DirectHandler.EventType.values()) {
            builder.addHandler(type, (request, eventType, status, headers, message) ->
                    transportProblem(status, headers, detailFor(status, maxHeaderBytes, maxRequestBytes), eventType));
        }
        return builder.build();
    }

    private static DirectHandler.TransportResponse transportProblem(
            Status status, ServerResponseHeaders headers, String detail, DirectHandler.EventType type) {
        headers.set(HeaderNames.CONTENT_TYPE, Problem.CONTENT_TYPE);
        return DirectHandler.TransportResponse.builder()
                .status(status)
                .headers(headers)
                .keepAlive(type.keepAlive())
                .entity(Problem.body(status.code(), Problem.titleOf(status.code()), detail))
                .build();
    }

    private static String detailFor(Status status, long maxHeaderBytes, long maxRequestBytes) {
        return switch (status.code()) {
            case 431 -> "the request headers are larger than " + maxHeaderBytes + " bytes";
            case 413 -> "the request body is larger than " + maxRequestBytes + " bytes";
            case 414 -> "the request line is too long";
            default -> safeDetail(status.code());
        };
    }

    private static String safeDetail(int status) {
        return switch (status) {
            case 400 -> "the request is not valid HTTP (request line, headers or encoding), or its headers are far too large";
            case 404 -> "no such resource";
            case 405 -> "this method is not allowed here";
            case 413 -> "the request body is too large";
            default -> Problem.titleOf(status);
        };
    }
}
