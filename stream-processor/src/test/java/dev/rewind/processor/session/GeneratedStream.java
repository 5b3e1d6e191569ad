package dev.rewind.processor.session;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.rewind.protocol.Json;
import dev.rewind.protocol.ProviderFormat;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * A stream written in a provider's wire format from a script of text, reasoning and tool-call parts,
 * with a chosen line ending and keep-alive comments: the property and fuzz suites' generated input,
 * with the text, reasoning and tool calls it must give back.
 */
record GeneratedStream(ProviderFormat format, byte[] bytes, List<Part> script) {

    sealed interface Part {}

    record Text(String text) implements Part {}

    record Reasoning(String text) implements Part {}

    /** A tool call; {@code cuts} are where its argument text is split into streamed fragments. */
    record Call(String name, JsonNode arguments, List<Integer> cuts) implements Part {}

    static GeneratedStream write(ProviderFormat format, List<Part> script, String lineEnd, boolean keepAlives) {
        Writer writer = new Writer(lineEnd, keepAlives);
        switch (format) {
            case OPENAI_CHAT -> chat(script, writer);
            case ANTHROPIC -> anthropic(script, writer);
            case OPENAI_RESPONSES -> responses(script, writer);
            case OLLAMA -> ollama(script, writer);
            case GEMINI -> gemini(script, writer);
        }
        return new GeneratedStream(format, writer.bytes.toByteArray(), script);
    }

    String text() {
        return joined(Text.class);
    }

    String reasoning() {
        return joined(Reasoning.class);
    }

    List<JsonNode> callArguments() {
        return script.stream().filter(Call.class::isInstance).map(p -> ((Call) p).arguments()).toList();
    }

    private String joined(Class<? extends Part> type) {
        StringBuilder joined = new StringBuilder();
        for (Part part : script) {
            if (type.isInstance(part)) {
                joined.append(part instanceof Text t ? t.text() : ((Reasoning) part).text());
            }
        }
        return joined.toString();
    }

    /**
     * The call's argument text in fragments, split at its cuts — never between the two halves of a
     * surrogate pair, which no UTF-8 stream can carry as raw text.
     */
    static List<String> fragments(Call call) {
        String text = call.arguments().toString();
        List<String> fragments = new ArrayList<>();
        int from = 0;
        for (int cut : call.cuts().stream().map(c -> Math.floorMod(c, text.length() + 1)).sorted().distinct().toList()) {
            if (cut > 0 && cut < text.length() && Character.isLowSurrogate(text.charAt(cut))) {
                cut++;
            }
            if (cut > from) {
                fragments.add(text.substring(from, cut));
                from = cut;
            }
        }
        fragments.add(text.substring(from));
        return fragments;
    }

    private static final class Writer {
        final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        final String lineEnd;
        final boolean keepAlives;
        int events;

        Writer(String lineEnd, boolean keepAlives) {
            this.lineEnd = lineEnd;
            this.keepAlives = keepAlives;
        }

        void sse(String type, JsonNode data) {
            sse(type, Json.toString(data));
        }

        void sse(String type, String data) {
            if (keepAlives && events++ % 3 == 1) {
                write(": keep-alive" + lineEnd + lineEnd);
            }
            write((type == null ? "" : "event: " + type + lineEnd) + "data: " + data + lineEnd + lineEnd);
        }

        void line(JsonNode data) {
            write(Json.toString(data) + lineEnd);
        }

        void write(String text) {
            bytes.writeBytes(text.getBytes(StandardCharsets.UTF_8));
        }
    }

    private static ObjectNode object() {
        return Json.MAPPER.createObjectNode();
    }

    private static void chat(List<Part> script, Writer out) {
        ObjectNode role = object();
        role.putArray("choices").addObject().put("index", 0).putObject("delta").put("role", "assistant").put("content", "");
        out.sse(null, role);
        int callIndex = 0;
        for (Part part : script) {
            switch (part) {
                case Text text -> out.sse(null, chatDelta(object().put("content", text.text())));
                case Reasoning reasoning -> out.sse(null, chatDelta(object().put("reasoning_content", reasoning.text())));
                case Call call -> {
                    boolean first = true;
                    for (String fragment : fragments(call)) {
                        ObjectNode tool = object().put("index", callIndex);
                        if (first) {
                            tool.put("id", "call_" + callIndex).put("type", "function");
                        }
                        ObjectNode function = tool.putObject("function").put("arguments", fragment);
                        if (first) {
                            function.put("name", call.name());
                        }
                        ObjectNode delta = object();
                        delta.putArray("tool_calls").add(tool);
                        out.sse(null, chatDelta(delta));
                        first = false;
                    }
                    callIndex++;
                }
            }
        }
        ObjectNode finish = object();
        finish.putArray("choices").addObject().put("index", 0).put("finish_reason", callIndex > 0 ? "tool_calls" : "stop")
                .putObject("delta");
        out.sse(null, finish);
        ObjectNode usage = object();
        usage.putArray("choices");
        usage.putObject("usage").put("prompt_tokens", 3).put("completion_tokens", script.size()).put("total_tokens", 3 + script.size());
        out.sse(null, usage);
        out.sse(null, "[DONE]");
    }

    private static ObjectNode chatDelta(ObjectNode delta) {
        ObjectNode chunk = object().put("id", "chatcmpl-gen").put("object", "chat.completion.chunk");
        chunk.putArray("choices").addObject().put("index", 0).set("delta", delta);
        return chunk;
    }

    private static void anthropic(List<Part> script, Writer out) {
        ObjectNode start = object().put("type", "message_start");
        start.putObject("message").put("id", "msg_gen").putObject("usage").put("input_tokens", 3).put("output_tokens", 1);
        out.sse("message_start", start);
        int index = 0;
        for (Part part : script) {
            ObjectNode blockStart = object().put("type", "content_block_start").put("index", index);
            ObjectNode block = blockStart.putObject("content_block");
            List<ObjectNode> deltas = new ArrayList<>();
            switch (part) {
                case Text text -> {
                    block.put("type", "text").put("text", "");
                    deltas.add(object().put("type", "text_delta").put("text", text.text()));
                }
                case Reasoning reasoning -> {
                    block.put("type", "thinking").put("thinking", "");
                    deltas.add(object().put("type", "thinking_delta").put("thinking", reasoning.text()));
                    deltas.add(object().put("type", "signature_delta").put("signature", "c2ln"));
                }
                case Call call -> {
                    block.put("type", "tool_use").put("id", "toolu_" + index).put("name", call.name()).putObject("input");
                    deltas.add(object().put("type", "input_json_delta").put("partial_json", ""));
                    fragments(call).forEach(f -> deltas.add(object().put("type", "input_json_delta").put("partial_json", f)));
                }
            }
            out.sse("content_block_start", blockStart);
            for (ObjectNode delta : deltas) {
                ObjectNode event = object().put("type", "content_block_delta").put("index", index);
                event.set("delta", delta);
                out.sse("content_block_delta", event);
            }
            out.sse("content_block_stop", object().put("type", "content_block_stop").put("index", index));
            if (index == 0) {
                out.sse("ping", object().put("type", "ping"));
            }
            index++;
        }
        ObjectNode end = object().put("type", "message_delta");
        end.putObject("delta").put("stop_reason", "end_turn");
        end.putObject("usage").put("output_tokens", script.size());
        out.sse("message_delta", end);
        out.sse("message_stop", object().put("type", "message_stop"));
    }

    private static void responses(List<Part> script, Writer out) {
        int sequence = 0;
        out.sse("response.created", object().put("type", "response.created").put("sequence_number", sequence++));
        int index = 0;
        for (Part part : script) {
            switch (part) {
                case Text text -> out.sse("response.output_text.delta", object().put("type", "response.output_text.delta")
                        .put("sequence_number", sequence++).put("item_id", "msg_gen").put("delta", text.text()));
                case Reasoning reasoning -> out.sse("response.reasoning_text.delta", object()
                        .put("type", "response.reasoning_text.delta").put("sequence_number", sequence++).put("delta", reasoning.text()));
                case Call call -> {
                    ObjectNode added = object().put("type", "response.output_item.added").put("sequence_number", sequence++)
                            .put("output_index", index);
                    added.putObject("item").put("type", "function_call").put("id", "fc_" + index).put("call_id", "call_" + index)
                            .put("name", call.name()).put("arguments", "");
                    out.sse("response.output_item.added", added);
                    for (String fragment : fragments(call)) {
                        out.sse("response.function_call_arguments.delta", object().put("type", "response.function_call_arguments.delta")
                                .put("sequence_number", sequence++).put("item_id", "fc_" + index).put("delta", fragment));
                    }
                    out.sse("response.function_call_arguments.done", object().put("type", "response.function_call_arguments.done")
                            .put("sequence_number", sequence++).put("item_id", "fc_" + index).put("arguments", call.arguments().toString()));
                }
            }
            index++;
        }
        ObjectNode completed = object().put("type", "response.completed").put("sequence_number", sequence);
        ObjectNode response = completed.putObject("response").put("status", "completed");
        response.putObject("usage").put("input_tokens", 3).put("output_tokens", script.size());
        out.sse("response.completed", completed);
    }

    private static void ollama(List<Part> script, Writer out) {
        for (Part part : script) {
            ObjectNode line = object().put("model", "gen");
            ObjectNode message = line.putObject("message").put("role", "assistant").put("content", "");
            switch (part) {
                case Text text -> message.put("content", text.text());
                case Reasoning reasoning -> message.put("thinking", reasoning.text());
                case Call call -> message.putArray("tool_calls").addObject().putObject("function").put("name", call.name())
                        .set("arguments", call.arguments());
            }
            out.line(line.put("done", false));
        }
        ObjectNode done = object().put("model", "gen");
        done.putObject("message").put("role", "assistant").put("content", "");
        out.line(done.put("done", true).put("done_reason", "stop").put("prompt_eval_count", 3).put("eval_count", script.size()));
    }

    private static void gemini(List<Part> script, Writer out) {
        for (int i = 0; i < script.size(); i++) {
            ObjectNode chunk = object();
            ObjectNode candidate = chunk.putArray("candidates").addObject();
            ObjectNode part = candidate.putObject("content").put("role", "model").putArray("parts").addObject();
            switch (script.get(i)) {
                case Text text -> part.put("text", text.text());
                case Reasoning reasoning -> part.put("text", reasoning.text()).put("thought", true);
                case Call call -> part.putObject("functionCall").put("name", call.name()).set("args", call.arguments());
            }
            if (i == script.size() - 1) {
                candidate.put("finishReason", "STOP");
            }
            candidate.put("index", 0);
            chunk.putObject("usageMetadata").put("promptTokenCount", 3).put("candidatesTokenCount", i + 1);
            out.sse(null, chunk);
        }
        if (script.isEmpty()) {
            ObjectNode chunk = object();
            chunk.putArray("candidates").addObject().put("finishReason", "STOP").put("index", 0);
            out.sse(null, chunk);
        }
    }
}
