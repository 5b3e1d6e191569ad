package dev.rewind.standalone.browser;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import dev.rewind.protocol.Json;
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
class BrowserDemoTest {

    private static final Duration STREAM_TIMEOUT = Duration.ofSeconds(30);
    private static final HttpClient HTTP = HttpClient.newHttpClient();

    @TempDir
    static Path dataDir;

    static Standalone stack;
    static ChromeDriver browser;

    @BeforeAll
    static void start() throws Exception {
        stack = Standalone.start(TestStacks.config(dataDir, TestStacks.freePorts(4), "tokens_per_second: 40, first_token_delay_ms: 50"));
        browser = Chromium.start();
    }

    @AfterAll
    static void stop() {
        if (browser != null) {
            browser.quit();
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
    void servesEveryPageAndAssetWithItsContentType() throws Exception {
        for (String[] asset : new String[][] {{"/", "text/html"}, {"/app.css", "text/css"}, {"/demo.js", "text/javascript"},
                {"/rewind-client.js", "text/javascript"}, {"/session.html", "text/html"}}) {
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
        await().atMost(Duration.ofSeconds(10)).until(() ->
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
