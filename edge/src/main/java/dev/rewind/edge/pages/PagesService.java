package dev.rewind.edge.pages;

import dev.rewind.edge.http.ProblemException;
import dev.rewind.protocol.SessionIds;
import io.helidon.http.HeaderNames;
import io.helidon.webserver.http.HttpRules;
import io.helidon.webserver.http.HttpService;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Optional;

/**
 * Clean URLs for the browser pages: {@code GET /sessions} (the session list),
 * {@code GET /sessions/{id}} (the viewer) and {@code GET /dashboard} (analytics), each the HTML
 * file of the same purpose under a classpath folder ({@code web/}). Files are read once at startup;
 * a page whose file is missing answers 404 problem JSON, never a 500.
 */
public final class PagesService implements HttpService {

    /** The page files, relative to the folder. */
    static final String LIST = "sessions.html";
    static final String VIEWER = "session.html";
    static final String DASHBOARD = "dashboard.html";

    private final Optional<byte[]> list;
    private final Optional<byte[]> viewer;
    private final Optional<byte[]> dashboard;

    private PagesService(Optional<byte[]> list, Optional<byte[]> viewer, Optional<byte[]> dashboard) {
        this.list = list;
        this.viewer = viewer;
        this.dashboard = dashboard;
    }

    /** The pages under {@code folder} on the classpath (e.g. {@code web}). */
    public static PagesService fromClasspath(String folder) {
        return new PagesService(load(folder, LIST), load(folder, VIEWER), load(folder, DASHBOARD));
    }

    @Override
    public void routing(HttpRules rules) {
        rules.get("/sessions", (req, res) -> send(res, list, "the session list page"));
        rules.get("/sessions/{id}", this::viewer);
        rules.get("/dashboard", (req, res) -> send(res, dashboard, "the dashboard page"));
    }

    private void viewer(ServerRequest req, ServerResponse res) {
        if (!SessionIds.isValid(req.path().pathParameters().get("id"))) {
            throw ProblemException.notFound("no such session (a session id is s_ and 22 URL-safe characters)");
        }
        send(res, viewer, "the session viewer page");
    }

    private static void send(ServerResponse res, Optional<byte[]> page, String what) {
        byte[] html = page.orElseThrow(() -> ProblemException.notFound(what + " is not part of this build"));
        res.header(HeaderNames.CONTENT_TYPE, "text/html; charset=UTF-8");
        res.header(HeaderNames.CACHE_CONTROL, "no-cache");
        res.header("X-Content-Type-Options", "nosniff");
        // the viewer's URL may carry a read token: never hand it on to another site
        res.header("Referrer-Policy", "no-referrer");
        res.send(html);
    }

    private static Optional<byte[]> load(String folder, String file) {
        try (InputStream in = PagesService.class.getClassLoader().getResourceAsStream(folder + "/" + file)) {
            return in == null ? Optional.empty() : Optional.of(in.readAllBytes());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the page " + folder + "/" + file, e);
        }
    }
}
