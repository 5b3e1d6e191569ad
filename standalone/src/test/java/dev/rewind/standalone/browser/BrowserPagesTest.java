package dev.rewind.standalone.browser;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import dev.rewind.analytics.AnalyticsApp;
import dev.rewind.analytics.AnalyticsConfig;
import dev.rewind.protocol.Json;
import dev.rewind.protocol.config.ConfigLoader;
import dev.rewind.sim.RecordedRequest;
import dev.rewind.sim.SimulatedCompletion;
import dev.rewind.sim.SimulatedToolCall;
import dev.rewind.standalone.Standalone;
import dev.rewind.standalone.TestStacks;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.openqa.selenium.By;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.support.ui.Select;

/**
 * The browser pages in headless Chromium against the whole standalone stack (embedded broker,
 * ingest, processor, edge, simulator): what the page shows is compared with what the simulator
 * planned to send, exactly.
 */
class BrowserPagesTest {

    private static final Duration STREAM_TIMEOUT = Duration.ofSeconds(30);
    private static final HttpClient HTTP = HttpClient.newHttpClient();

    @TempDir
    static Path dataDir;

    static Standalone stack;
    static AnalyticsApp analytics;
    static ChromeDriver browser;

    @BeforeAll
    static void start() throws Exception {
        int[] ports = TestStacks.freePorts(6);
        stack = Standalone.start(TestStacks.config(dataDir, ports, "tokens_per_second: 40, first_token_delay_ms: 50"));
        // the analytics app beside the stack, so that the dashboard has windows to draw
        analytics = AnalyticsApp.start(ConfigLoader.load(AnalyticsConfig.class, ConfigLoader.parseYaml("""
                kafka: {bootstrap_servers: "127.0.0.1:%d"}
                topics: {partitions: 3}
                application_id: browser-test-analytics
                state_dir: "%s"
                commit_interval_ms: 100
                ops: {host: 127.0.0.1, port: 0}
                """.formatted(ports[2], dataDir.resolve("analytics"))), Map.of(), ConfigLoader.KAFKA_DEFAULTS,
                "analytics-defaults.yaml"));
        browser = Chromium.start();
    }

    @AfterAll
    static void stop() {
        if (browser != null) {
            browser.quit();
        }
        if (analytics != null) {
            analytics.close();
        }
        if (stack != null) {
            stack.close();
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"eventsource", "fetch"})
    void rendersTokensAsTheyArriveAndResumesADroppedConnectionWithoutDuplicateOrGap(String transport) throws Exception {
        String prompt = "Drop me mid-stream over " + transport + " " + UUID.randomUUID();
        openDemo();
        assertThat(browser.findElement(By.id("apiKey")).getDomProperty("value"))
                .as("demo mode pre-fills the key").isEqualTo(stack.demoApiKey());
        new Select(browser.findElement(By.id("transport"))).selectByValue(transport);
        new Select(browser.findElement(By.id("fault"))).selectByValue("tps=12");
        ask(prompt);

        await().atMost(STREAM_TIMEOUT).until(() -> output().length() >= 8);
        String beforeDrop = output();
        assertThat(outcome()).as("still streaming when the connection is cut").isNull();
        browser.findElement(By.id("drop")).click();
        assertThat(connectionState()).isEqualTo("dropped");
        Chromium.screenshot(browser, "demo-dropped-" + transport);
        await().atMost(STREAM_TIMEOUT).until(() -> "connected".equals(connectionState()) || outcome() != null);

        await().atMost(STREAM_TIMEOUT).until(() -> outcome() != null);
        Chromium.screenshot(browser, "demo-done-" + transport);
        String expected = plannedFor(prompt).text();
        assertThat(outcome()).isEqualTo("done");
        assertThat(beforeDrop).as("cut mid-stream").isNotEmpty().isNotEqualTo(expected);
        assertThat(expected).startsWith(beforeDrop);
        assertThat(output()).as("the whole answer, nothing twice, nothing missing").isEqualTo(expected);
        assertThat(text("reconnects")).isEqualTo("1");
    }

    @Test
    void stopCancelsTheSession() throws Exception {
        String prompt = "Stop me " + UUID.randomUUID();
        openDemo();
        new Select(browser.findElement(By.id("fault"))).selectByValue("tps=12");
        ask(prompt);
        await().atMost(STREAM_TIMEOUT).until(() -> output().length() >= 4);
        browser.findElement(By.id("stop")).click();
        await().atMost(STREAM_TIMEOUT).until(() -> outcome() != null);
        Chromium.screenshot(browser, "demo-cancelled");
        assertThat(outcome()).isEqualTo("cancelled");
        String shown = output();
        assertThat(plannedFor(prompt).text()).startsWith(shown).isNotEqualTo(shown);

        String sessionId = browser.findElement(By.id("sessionLabel")).getDomAttribute("data-session-id");
        await().atMost(STREAM_TIMEOUT).untilAsserted(() ->
                assertThat(summary(sessionId).get("status").asText()).isEqualTo("cancelled"));
    }

    @Test
    void showsTheRetryStateFromStatusEventsThenTheWholeAnswer() throws Exception {
        String prompt = "Retry me " + UUID.randomUUID();
        openDemo();
        chooseCustomFault("status=503x1,retry-after=2,tps=30");
        ask(prompt);
        await().atMost(STREAM_TIMEOUT).until(() -> text("retryBanner").contains("retrying in"));
        assertThat(text("retryBanner")).contains("Upstream busy").contains("attempt");
        Chromium.screenshot(browser, "demo-retrying");
        await().atMost(STREAM_TIMEOUT).until(() -> outcome() != null);
        assertThat(outcome()).isEqualTo("done");
        assertThat(output()).isEqualTo(plannedFor(prompt).text());
    }

    @Test
    void showsToolCallArgumentsWhileTheyStream() throws Exception {
        String prompt = "Call tools " + UUID.randomUUID();
        openDemo();
        chooseCustomFault("tools=2,tps=15");
        ask(prompt);
        await().atMost(STREAM_TIMEOUT).until(() -> !browser.findElements(By.cssSelector("#toolCalls li")).isEmpty()
                && outcome() == null);
        String partial = js("return document.querySelector('#toolCalls li .args').textContent");
        await().atMost(STREAM_TIMEOUT).until(() -> outcome() != null);
        Chromium.screenshot(browser, "demo-tool-calls");
        List<SimulatedToolCall> planned = plannedFor(prompt).toolCalls();
        List<WebElement> calls = browser.findElements(By.cssSelector("#toolCalls li"));
        assertThat(calls).hasSize(planned.size());
        assertThat(planned.getFirst().argumentsJson()).as("arguments were shown while streaming").startsWith(partial);
        for (int i = 0; i < planned.size(); i++) {
            WebElement call = calls.get(i);
            assertThat(call.findElement(By.className("name")).getText()).isEqualTo(planned.get(i).name());
            JsonNode shown = Json.fromString(call.findElement(By.className("args")).getText(), JsonNode.class);
            assertThat(shown).isEqualTo(planned.get(i).arguments());
        }
    }

    @Test
    void theViewerDrawsTheTimelineWithTheRetryAndReplaysTheSessionAtItsOriginalSpeed() throws Exception {
        String prompt = "View me " + UUID.randomUUID();
        openDemo();
        chooseCustomFault("status=503x1,retry-after=1,length=12,tps=15");
        ask(prompt);
        await().atMost(STREAM_TIMEOUT).until(() -> outcome() != null);
        String expected = plannedFor(prompt).text();
        assertThat(output()).isEqualTo(expected);
        String sessionId = browser.findElement(By.id("sessionLabel")).getDomAttribute("data-session-id");

        // the list of recent sessions links to the viewer
        browser.get(base() + "/sessions");
        await().atMost(STREAM_TIMEOUT).until(() ->
                !browser.findElements(By.cssSelector("tr[data-session-id='" + sessionId + "'] a")).isEmpty());
        Chromium.screenshot(browser, "sessions-list");
        browser.findElement(By.cssSelector("tr[data-session-id='" + sessionId + "'] a")).click();
        await().atMost(STREAM_TIMEOUT).until(() -> browser.getCurrentUrl().endsWith("/sessions/" + sessionId));

        await().atMost(STREAM_TIMEOUT).until(() -> !browser.findElements(By.cssSelector("#timeline path[data-series]")).isEmpty());
        assertThat(js("return document.getElementById('transcript').textContent")).isEqualTo(expected);
        assertThat(browser.findElements(By.cssSelector("#timeline line[data-kind='retry']"))).as("the retry is marked").hasSize(1);
        assertThat(browser.findElements(By.cssSelector("#timeline line[data-kind='ttft']"))).as("first token marked").hasSize(1);
        assertThat(browser.findElements(By.cssSelector("#attempts tr"))).as("a failed attempt and the good one").hasSize(2);
        assertThat(text("statusBadge")).isEqualTo("completed");

        long lastMs = Long.parseLong(browser.findElement(By.id("timeline")).getDomAttribute("data-last-ms"));
        long started = System.nanoTime();
        browser.findElement(By.id("replay")).click();
        await().atMost(STREAM_TIMEOUT).until(() -> "done".equals(js("return document.getElementById('replayStatus').dataset.outcome ?? null")));
        long replayMs = Duration.ofNanos(System.nanoTime() - started).toMillis();
        Chromium.screenshot(browser, "session-viewer");
        assertThat(js("return document.getElementById('replayOutput').textContent")).isEqualTo(expected);
        assertThat(replayMs).as("at the original pace the replay lasts as long as the session did").isGreaterThanOrEqualTo(lastMs);
    }

    @Test
    void theDashboardDrawsTheWindowsOfTheAnalyticsTopic() throws Exception {
        String model = "sim-dash-" + UUID.randomUUID().toString().substring(0, 8);
        String prompt = "Count me " + UUID.randomUUID();
        openDemo();
        new Select(browser.findElement(By.id("fault"))).selectByValue("");
        WebElement modelField = browser.findElement(By.id("model"));
        modelField.clear();
        modelField.sendKeys(model);
        ask(prompt);
        await().atMost(STREAM_TIMEOUT).until(() -> outcome() != null);
        assertThat(outcome()).isEqualTo("done");
        browser.get(base() + "/dashboard");
        String row = "#totals tr[data-series='sim/" + model + "'] td";
        await().atMost(STREAM_TIMEOUT).pollInterval(Duration.ofMillis(500)).until(() -> {
            List<WebElement> cells = browser.findElements(By.cssSelector(row));
            return cells.size() > 3 && cells.get(3).getText().equals("1");
        });
        List<WebElement> cells = browser.findElements(By.cssSelector(row));
        assertThat(cells.get(2).getText()).as("started").isEqualTo("1");
        assertThat(cells.get(6).getText()).as("tokens").isEqualTo(String.valueOf(plannedFor(prompt).tokens().size()));
        assertThat(browser.findElements(By.cssSelector("#throughputChart path[data-series='sim / " + model + "']"))).hasSize(1);
        assertThat(browser.findElements(By.cssSelector("#ttftChart path[data-series]"))).isNotEmpty();
        Chromium.screenshot(browser, "dashboard");
    }

    @Test
    void servesEveryPageAndAssetWithItsContentType() throws Exception {
        for (String[] asset : new String[][] {{"/", "text/html"}, {"/app.css", "text/css"}, {"/demo.js", "text/javascript"},
                {"/rewind-client.js", "text/javascript"}, {"/sessions", "text/html"}, {"/sessions/s_AAAAAAAAAAAAAAAAAAAAAA", "text/html"}, {"/dashboard", "text/html"},
                {"/chart.js", "text/javascript"}}) {
            HttpResponse<String> response = HTTP.send(HttpRequest.newBuilder(URI.create(base() + asset[0])).GET().build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(response.statusCode()).as(asset[0]).isEqualTo(200);
            assertThat(response.headers().firstValue("Content-Type").orElse("")).as(asset[0]).startsWith(asset[1]);
        }
        openDemo();
        assertThat(js("return getComputedStyle(document.querySelector('header.top')).display")).as("app.css applies").isEqualTo("flex");
        Chromium.screenshot(browser, "demo-page");
    }

    // --- the page ---------------------------------------------------------------------------

    private static void openDemo() {
        browser.get(base() + "/");
        await().atMost(Duration.ofSeconds(30)).until(() ->
                !browser.findElement(By.id("apiKey")).getDomProperty("value").isEmpty());
    }

    private static void ask(String prompt) {
        WebElement box = browser.findElement(By.id("prompt"));
        box.clear();
        box.sendKeys(prompt);
        browser.findElement(By.id("send")).click();
    }

    private static void chooseCustomFault(String script) {
        new Select(browser.findElement(By.id("fault"))).selectByValue("custom");
        WebElement custom = browser.findElement(By.id("customFault"));
        custom.clear();
        custom.sendKeys(script);
    }

    /** The answer exactly as rendered (textContent: WebDriver's getText would trim its leading space). */
    static String output() {
        return js("return document.getElementById('output').textContent");
    }

    static String outcome() {
        return js("return document.getElementById('final').dataset.outcome ?? null");
    }

    private static String connectionState() {
        return js("return document.getElementById('connState').dataset.state");
    }

    private static String text(String id) {
        return js("return document.getElementById(arguments[0]).textContent", id);
    }

    static String js(String script, Object... args) {
        return (String) ((JavascriptExecutor) browser).executeScript(script, args);
    }

    // --- ground truth -----------------------------------------------------------------------

    /** What the simulator planned for the request ingest sent with this prompt. */
    static SimulatedCompletion plannedFor(String prompt) {
        RecordedRequest request = stack.simulator().recentRequests().stream()
                .filter(r -> r.body() != null && r.body().at("/messages/0/content").asText().equals(prompt))
                .reduce((first, later) -> later)
                .orElseThrow(() -> new AssertionError("the simulator never got " + prompt));
        return request.plan();
    }

    static JsonNode summary(String sessionId) throws Exception {
        HttpResponse<String> response = HTTP.send(HttpRequest.newBuilder(URI.create(base() + "/v1/sessions/" + sessionId))
                .header("Authorization", "Bearer " + stack.demoApiKey()).timeout(Duration.ofSeconds(10)).GET().build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        return Json.fromString(response.body(), JsonNode.class);
    }

    static String base() {
        return "http://127.0.0.1:" + stack.httpPort();
    }
}
