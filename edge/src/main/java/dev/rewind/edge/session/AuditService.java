package dev.rewind.edge.session;

import dev.rewind.edge.EdgeConfig;
import dev.rewind.edge.auth.Caller;
import dev.rewind.edge.auth.SessionAuth;
import dev.rewind.edge.http.ProblemException;
import dev.rewind.protocol.ChunkRecord;
import dev.rewind.protocol.Json;
import dev.rewind.protocol.RequestRecord;
import io.helidon.http.HeaderNames;
import io.helidon.webserver.http.HttpRules;
import io.helidon.webserver.http.HttpService;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;
import java.io.IOException;
import java.io.OutputStream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The audit of one session, for its owner's API key only (never a read token):
 * {@code GET /v1/sessions/{id}/request} — the start request as received — and
 * {@code GET /v1/sessions/{id}/upstream?attempt=N} — the raw bytes upstream sent in attempt N.
 */
public final class AuditService implements HttpService {

    private static final Logger LOG = LoggerFactory.getLogger(AuditService.class);

    private final EdgeConfig config;
    private final SessionAuth auth;
    private final SessionDirectory directory;
    private final SessionRecords records;

    AuditService(EdgeConfig config, SessionAuth auth, SessionDirectory directory, SessionRecords records) {
        this.config = config;
        this.auth = auth;
        this.directory = directory;
        this.records = records;
    }

    @Override
    public void routing(HttpRules rules) {
        rules.get("/{id}/request", this::request);
        rules.get("/{id}/upstream", this::upstream);
    }

    private void request(ServerRequest req, ServerResponse res) {
        SessionDirectory.Known known = ownersSession(req);
        RequestRecord.Start start = records.start(known.id(), known.createdAt()).orElseThrow(() ->
                ProblemException.notFound("the request is no longer in rewind.requests (past its retention)"));
        res.header(HeaderNames.CONTENT_TYPE, "application/json");
        res.header(HeaderNames.CACHE_CONTROL, "no-store");
        res.send(Json.toBytes(start));
    }

    private void upstream(ServerRequest req, ServerResponse res) throws IOException {
        SessionDirectory.Known known = ownersSession(req);
        int attempt = attempt(req);
        UpstreamCopy copy = new UpstreamCopy(attempt, config.audit().maxUpstreamBytes(), res);
        records.chunks(known.id(), known.createdAt(), copy::accept);
        if (!copy.started()) {
            throw ProblemException.notFound("attempt " + attempt + " has no upstream response in rewind.chunks");
        }
        copy.finish();
    }

    private SessionDirectory.Known ownersSession(ServerRequest req) {
        String id = SessionDirectory.validId(req.path().pathParameters().get("id"));
        return switch (auth.caller(req, id)) {
            case Caller.Owner owner -> directory.ownedBy(id, owner.id());
            case Caller.Reader reader -> throw ProblemException.forbidden(
                    "the audit endpoints need the owner's API key; a read token cannot open them");
        };
    }

    private static int attempt(ServerRequest req) {
        String value = req.query().first("attempt").asOptional()
                .orElseThrow(() -> ProblemException.badRequest("'attempt' is required: ?attempt=N (from 1)"));
        try {
            int attempt = Integer.parseInt(value);
            if (attempt >= 1) {
                return attempt;
            }
        } catch (NumberFormatException e) {
            // refused below
        }
        throw ProblemException.badRequest("'attempt' must be a whole number from 1");
    }

    /**
     * Streams one attempt's chunks to the response in seq order as they are read, after its
     * {@code attempt_started} marker gave the content type; at most {@code maxBytes}.
     */
    private static final class UpstreamCopy {
        private final int attempt;
        private final long maxBytes;
        private final ServerResponse res;
        private OutputStream out;
        private long written;
        private long lastSeq = -1;

        UpstreamCopy(int attempt, long maxBytes, ServerResponse res) {
            this.attempt = attempt;
            this.maxBytes = maxBytes;
            this.res = res;
        }

        boolean accept(ChunkRecord record) throws IOException {
            if (record.attempt() != attempt) {
                return !(record instanceof ChunkRecord.SessionEnded);
            }
            switch (record) {
                case ChunkRecord.AttemptStarted started -> {
                    if (out == null) {
                        res.header(HeaderNames.CONTENT_TYPE,
                                started.contentType() == null ? "application/octet-stream" : started.contentType());
                        if (started.upstreamStatus() != null) {
                            res.header("X-Upstream-Status", started.upstreamStatus().toString());
                        }
                        res.header(HeaderNames.CACHE_CONTROL, "no-store");
                        out = res.outputStream();
                    }
                    return true;
                }
                case ChunkRecord.Chunk chunk -> {
                    // chunks come in seq order from one writer; a repeated seq is a duplicate
                    if (out == null || chunk.seq() <= lastSeq) {
                        return true;
                    }
                    lastSeq = chunk.seq();
                    if (written + chunk.bytes().length > maxBytes) {
                        LOG.warn("upstream bytes of {} attempt {} exceed audit.max_upstream_bytes; cut at {}",
                                chunk.sessionId(), attempt, written);
                        return false;
                    }
                    out.write(chunk.bytes());
                    written += chunk.bytes().length;
                    return true;
                }
                case ChunkRecord.AttemptEnded ended -> {
                    return false;
                }
                case ChunkRecord.SessionEnded ended -> {
                    return false;
                }
                case ChunkRecord.RetryScheduled retry -> {
                    return true;
                }
                case ChunkRecord.SessionQueued queued -> {
                    return true; // waiting for a stream slot, before the attempt started
                }
            }
        }

        boolean started() {
            return out != null;
        }

        void finish() throws IOException {
            out.close();
        }
    }
}
