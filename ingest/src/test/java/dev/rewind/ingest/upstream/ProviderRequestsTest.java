package dev.rewind.ingest.upstream;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.rewind.protocol.Json;
import dev.rewind.protocol.ProviderFormat;
import dev.rewind.protocol.RequestRecord;
import dev.rewind.protocol.RequestRecord.ChatMessage;
import java.net.URI;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** The translation of an OpenAI-shaped request into Ollama's and Gemini's own requests (the wire is tested with llm-sim). */
class ProviderRequestsTest {

    private static final String KEY = "test-key-123";

    /** A tool conversation: system prompt, question, the assistant's call, its result, and a strict tool. */
    private static final List<ChatMessage> CONVERSATION = List.of(
            ChatMessage.text("system", "be brief"),
            ChatMessage.text("developer", "use tools"),
            ChatMessage.text("user", "what is in a.txt?"),
            new ChatMessage("assistant", null, null, Json.fromString("""
                    [{"id": "call_1", "type": "function",
                      "function": {"name": "read_file", "arguments": "{\\"path\\": \\"a.txt\\"}"}},
                     {"id": "call_2", "type": "function", "function": {"name": "list_dir", "arguments": "not json"}}]
                    """, JsonNode.class), null),
            new ChatMessage("tool", Json.fromString("\"hello\"", JsonNode.class), null, null, "call_1"),
            new ChatMessage("tool", Json.fromString("\"{\\\"files\\\": [\\\"a.txt\\\"]}\"", JsonNode.class), null, null,
                    "call_2"));

    private static ObjectNode params() {
        return (ObjectNode) Json.fromString("""
                {"max_tokens": 64, "stop": ["END", "STOP"], "temperature": 0.2, "top_p": 0.9, "seed": 7,
                 "tools": [{"type": "function", "function": {"name": "read_file", "description": "reads a file",
                   "parameters": {"$schema": "https://json-schema.org/draft/2020-12/schema", "type": "object",
                     "additionalProperties": false, "required": ["path"],
                     "properties": {"path": {"type": "string"},
                       "additionalProperties": {"type": "object", "additionalProperties": false,
                         "properties": {"x": {"type": "integer"}}}}}}},
                   {"type": "function", "function": {"name": "list_dir", "parameters": {"type": "object", "properties": {}}}}]}
                """, JsonNode.class);
    }

    private static RequestRecord.Start start(String model, List<ChatMessage> messages, ObjectNode params) {
        return new RequestRecord.Start("s1", "owner", "up", ProviderFormat.OLLAMA, model, messages, params, Instant.EPOCH, null);
    }

    private static Upstream upstream(ProviderFormat format, String baseUrl) {
        return new Upstream("up", format, URI.create(baseUrl), Optional.of(new ApiKey(KEY)));
    }

    private static JsonNode geminiBody(ObjectNode params) {
        UpstreamRequest request = ProviderRequests.build(upstream(ProviderFormat.GEMINI, "https://g.test/v1beta/"),
                start("gemini", List.of(ChatMessage.text("user", "hi")), params));
        return Json.fromString(new String(request.body()), JsonNode.class);
    }

    @Test
    void ollamaGetsItsNativeChatRequest() {
        UpstreamRequest request = ProviderRequests.build(upstream(ProviderFormat.OLLAMA, "http://127.0.0.1:11434/"),
                start("llama3.2", CONVERSATION, params()));
        assertThat(request.uri()).hasToString("http://127.0.0.1:11434/api/chat");
        assertThat(request.headers()).containsEntry("Authorization", "Bearer " + KEY)
                .containsEntry("Accept", "application/x-ndjson");
        JsonNode body = Json.fromString(new String(request.body()), JsonNode.class);
        assertThat(body.get("stream").asBoolean()).isTrue();
        assertThat(body.get("model").asText()).isEqualTo("llama3.2");
        assertThat(body.at("/messages/0")).isEqualTo(Json.fromString("{\"role\":\"system\",\"content\":\"be brief\"}", JsonNode.class));
        assertThat(body.at("/messages/1/role").asText()).isEqualTo("system");
        assertThat(body.at("/messages/2")).isEqualTo(Json.fromString("{\"role\":\"user\",\"content\":\"what is in a.txt?\"}", JsonNode.class));
        assertThat(body.at("/messages/3/tool_calls/0/function/name").asText()).isEqualTo("read_file");
        assertThat(body.at("/messages/3/tool_calls/0/function/arguments"))
                .isEqualTo(Json.fromString("{\"path\":\"a.txt\"}", JsonNode.class));
        assertThat(body.at("/messages/3/tool_calls/1/function/arguments")).as("unparseable arguments").isEmpty();
        assertThat(body.at("/messages/4")).isEqualTo(Json.fromString(
                "{\"role\":\"tool\",\"content\":\"hello\",\"tool_name\":\"read_file\"}", JsonNode.class));
        assertThat(body.at("/messages/5/tool_name").asText()).isEqualTo("list_dir");
        assertThat(body.at("/options")).isEqualTo(Json.fromString(
                "{\"num_predict\":64,\"stop\":[\"END\",\"STOP\"],\"temperature\":0.2,\"top_p\":0.9,\"seed\":7}", JsonNode.class));
        assertThat(body.at("/tools/0/type").asText()).isEqualTo("function");
        assertThat(body.at("/tools/0/function/name").asText()).isEqualTo("read_file");
        assertThat(body.at("/tools/0/function/description").asText()).isEqualTo("reads a file");
        assertThat(body.at("/tools/0/function/parameters/properties/path/type").asText()).isEqualTo("string");
        assertThat(body.has("max_tokens")).isFalse();
    }

    @Test
    void ollamaSendsNoAuthHeaderWithoutAKeyAndHonoursToolChoiceNoneAndJsonSchemas() {
        ObjectNode params = params();
        params.put("tool_choice", "none");
        params.set("response_format", Json.fromString(
                "{\"type\":\"json_schema\",\"json_schema\":{\"name\":\"x\",\"schema\":{\"type\":\"object\"}}}", JsonNode.class));
        UpstreamRequest request = ProviderRequests.build(
                new Upstream("up", ProviderFormat.OLLAMA, URI.create("http://127.0.0.1:11434/"), Optional.empty()),
                start("llama3.2", List.of(ChatMessage.text("user", "hi")), params));
        assertThat(request.headers()).doesNotContainKey("Authorization");
        JsonNode body = Json.fromString(new String(request.body()), JsonNode.class);
        assertThat(body.has("tools")).isFalse();
        assertThat(body.get("format")).isEqualTo(Json.fromString("{\"type\":\"object\"}", JsonNode.class));
    }

    @Test
    void geminiGetsContentsSystemInstructionGenerationConfigAndFunctionDeclarations() {
        UpstreamRequest request = ProviderRequests.build(
                upstream(ProviderFormat.GEMINI, "https://gemini.test/v1beta/"), start("gemini-2.5-flash", CONVERSATION, params()));
        assertThat(request.uri()).hasToString("https://gemini.test/v1beta/models/gemini-2.5-flash:streamGenerateContent?alt=sse");
        assertThat(request.headers()).containsEntry("x-goog-api-key", KEY).doesNotContainKey("Authorization")
                .containsEntry("Accept", "text/event-stream");
        JsonNode body = Json.fromString(new String(request.body()), JsonNode.class);
        assertThat(body.has("model")).isFalse();
        assertThat(body.has("stream")).as("streaming is the endpoint, not a field").isFalse();
        assertThat(body.at("/systemInstruction/parts/0/text").asText()).isEqualTo("be brief\n\nuse tools");
        assertThat(body.get("contents")).hasSize(3);
        assertThat(body.at("/contents/0")).isEqualTo(Json.fromString(
                "{\"role\":\"user\",\"parts\":[{\"text\":\"what is in a.txt?\"}]}", JsonNode.class));
        assertThat(body.at("/contents/1/role").asText()).isEqualTo("model");
        assertThat(body.at("/contents/1/parts/0/functionCall")).isEqualTo(Json.fromString(
                "{\"name\":\"read_file\",\"args\":{\"path\":\"a.txt\"}}", JsonNode.class));
        assertThat(body.at("/contents/1/parts/1/functionCall/args")).isEmpty();
        // both tool results answer one model turn: one user content with two functionResponse parts
        assertThat(body.at("/contents/2/role").asText()).isEqualTo("user");
        assertThat(body.at("/contents/2/parts/0/functionResponse")).isEqualTo(Json.fromString(
                "{\"name\":\"read_file\",\"response\":{\"content\":\"hello\"}}", JsonNode.class));
        assertThat(body.at("/contents/2/parts/1/functionResponse")).isEqualTo(Json.fromString(
                "{\"name\":\"list_dir\",\"response\":{\"files\":[\"a.txt\"]}}", JsonNode.class));
        assertThat(body.get("generationConfig")).isEqualTo(Json.fromString("""
                {"maxOutputTokens": 64, "temperature": 0.2, "topP": 0.9, "seed": 7, "stopSequences": ["END", "STOP"]}
                """, JsonNode.class));
        JsonNode declarations = body.at("/tools/0/functionDeclarations");
        assertThat(declarations).hasSize(2);
        assertThat(declarations.at("/0/name").asText()).isEqualTo("read_file");
        assertThat(declarations.at("/0/description").asText()).isEqualTo("reads a file");
        assertThat(declarations.at("/1/name").asText()).isEqualTo("list_dir");
        assertThat(declarations.at("/1").has("parameters")).as("Gemini refuses an object without properties").isFalse();
    }

    @Test
    void geminiSchemasLoseOnlyTheKeywordsGeminiRejects() {
        JsonNode parameters = geminiBody(params()).at("/tools/0/functionDeclarations/0/parameters");
        assertThat(parameters.toString()).doesNotContain("$schema");
        assertThat(parameters.has("additionalProperties")).isFalse();
        assertThat(parameters.get("required")).hasSize(1);
        // a property that is merely named "additionalProperties" stays; its own schema is cleaned
        assertThat(parameters.at("/properties/additionalProperties/type").asText()).isEqualTo("object");
        assertThat(parameters.at("/properties/additionalProperties").has("additionalProperties")).isFalse();
        assertThat(parameters.at("/properties/additionalProperties/properties/x/type").asText()).isEqualTo("integer");
    }

    @Test
    void geminiToolChoiceBecomesAFunctionCallingModeAndModelNamesAreOnePathSegment() {
        ObjectNode params = params();
        params.set("tool_choice", Json.fromString("{\"type\":\"function\",\"function\":{\"name\":\"read_file\"}}", JsonNode.class));
        UpstreamRequest request = ProviderRequests.build(upstream(ProviderFormat.GEMINI, "https://g.test/v1beta/"),
                start("models/tuned model/ü", List.of(ChatMessage.text("user", "hi")), params));
        assertThat(request.uri().getRawPath()).isEqualTo("/v1beta/models/tuned%20model%2F%C3%BC:streamGenerateContent");
        assertThat(request.uri().getQuery()).isEqualTo("alt=sse");
        JsonNode body = Json.fromString(new String(request.body()), JsonNode.class);
        assertThat(body.at("/toolConfig/functionCallingConfig")).isEqualTo(Json.fromString(
                "{\"mode\":\"ANY\",\"allowedFunctionNames\":[\"read_file\"]}", JsonNode.class));
        params.put("tool_choice", "required");
        assertThat(geminiBody(params).at("/toolConfig/functionCallingConfig/mode").asText()).isEqualTo("ANY");
    }

    @Test
    void geminiJsonSchemaResponseFormatIsAResponseSchema() {
        ObjectNode params = Json.MAPPER.createObjectNode();
        params.set("response_format", Json.fromString("""
                {"type": "json_schema", "json_schema": {"name": "answer", "strict": true,
                  "schema": {"type": "object", "additionalProperties": false, "properties": {"a": {"type": "string"}}}}}
                """, JsonNode.class));
        JsonNode body = geminiBody(params);
        assertThat(body.at("/generationConfig/responseMimeType").asText()).isEqualTo("application/json");
        assertThat(body.at("/generationConfig/responseSchema")).isEqualTo(Json.fromString(
                "{\"type\":\"object\",\"properties\":{\"a\":{\"type\":\"string\"}}}", JsonNode.class));
    }

    @Test
    void inlineImagesBecomeOllamaImagesAndGeminiInlineDataRemoteOnesAreLeftOut() {
        ChatMessage withImages = new ChatMessage("user", Json.fromString("""
                [{"type": "text", "text": "what is this?"},
                 {"type": "image_url", "image_url": {"url": "data:image/png;base64,iVBORw0KGgo="}},
                 {"type": "image_url", "image_url": {"url": "https://example.invalid/cat.png"}}]
                """, JsonNode.class), null, null, null);
        JsonNode ollama = Json.fromString(new String(ProviderRequests.build(upstream(ProviderFormat.OLLAMA,
                "http://127.0.0.1:11434/"), start("llava", List.of(withImages), Json.MAPPER.createObjectNode())).body()),
                JsonNode.class);
        assertThat(ollama.at("/messages/0/content").asText()).isEqualTo("what is this?");
        assertThat(ollama.at("/messages/0/images")).isEqualTo(Json.fromString("[\"iVBORw0KGgo=\"]", JsonNode.class));
        JsonNode gemini = Json.fromString(new String(ProviderRequests.build(upstream(ProviderFormat.GEMINI,
                "https://g.test/v1beta/"), start("gemini", List.of(withImages), Json.MAPPER.createObjectNode())).body()),
                JsonNode.class);
        assertThat(gemini.at("/contents/0/parts")).isEqualTo(Json.fromString("""
                [{"text": "what is this?"}, {"inlineData": {"mimeType": "image/png", "data": "iVBORw0KGgo="}}]
                """, JsonNode.class));
    }
}
