package dev.rewind.edge.session;

import dev.rewind.edge.EdgeConfig;
import dev.rewind.edge.http.Problem;
import dev.rewind.protocol.Json;
import io.helidon.http.HeaderNames;
import io.helidon.webserver.http.HttpRules;
import io.helidon.webserver.http.HttpService;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;

/**
 * {@code GET /v1/demo}: in standalone's demo mode only, the demo API key the page pre-fills.
 * Everywhere else it is 404 and the page asks for a key.
 */
public final class DemoService implements HttpService {

    private final EdgeConfig.Demo demo;

    public DemoService(EdgeConfig.Demo demo) {
        this.demo = demo;
    }

    @Override
    public void routing(HttpRules rules) {
        rules.get("/", this::demo);
    }

    private void demo(ServerRequest req, ServerResponse res) {
        if (!demo.enabled()) {
            Problem.notFound(res, "demo mode is off");
            return;
        }
        res.header(HeaderNames.CONTENT_TYPE, "application/json");
        res.header(HeaderNames.CACHE_CONTROL, "no-store");
        res.send(Json.toBytes(Json.MAPPER.createObjectNode().put("api_key", demo.apiKey())));
    }
}
