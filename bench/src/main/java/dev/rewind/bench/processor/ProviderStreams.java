package dev.rewind.bench.processor;

import dev.rewind.protocol.ProviderFormat;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;

/**
 * Realistic streams of {@code tokens} text tokens in each provider format, shaped as the providers
 * send them (ids, models, fingerprints, sequence numbers, Gemini's CRLF and usage on every chunk),
 * with multi-byte text: what the reassembler benchmark and the end-to-end tool feed the processor.
 */
final class ProviderStreams {

    private ProviderStreams() {}

    static String token(int i) {
        return i % 7 == 0 ? " café" : i % 11 == 0 ? " 日本" : " token" + i;
    }

    static byte[] build(ProviderFormat format, int tokens) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        switch (format) {
            case OPENAI_CHAT -> {
                for (int i = 0; i < tokens; i++) {
                    write(out, chatChunk(token(i)));
                }
                write(out, "data: {\"id\":\"chatcmpl-bench\",\"object\":\"chat.completion.chunk\",\"created\":1764000000,\"model\":\"gpt-4.1\","
                        + "\"choices\":[{\"index\":0,\"delta\":{},\"finish_reason\":\"stop\"}]}\n\ndata: [DONE]\n\n");
            }
            case ANTHROPIC -> {
                write(out, "event: message_start\ndata: {\"type\":\"message_start\",\"message\":{\"id\":\"msg_bench\",\"type\":\"message\","
                        + "\"role\":\"assistant\",\"model\":\"claude-sonnet-4\",\"content\":[],\"usage\":{\"input_tokens\":12,\"output_tokens\":1}}}\n\n"
                        + "event: content_block_start\ndata: {\"type\":\"content_block_start\",\"index\":0,\"content_block\":{\"type\":\"text\",\"text\":\"\"}}\n\n");
                for (int i = 0; i < tokens; i++) {
                    write(out, "event: content_block_delta\ndata: {\"type\":\"content_block_delta\",\"index\":0,\"delta\":{\"type\":\"text_delta\","
                            + "\"text\":\"" + token(i) + "\"}}\n\n");
                }
                write(out, "event: content_block_stop\ndata: {\"type\":\"content_block_stop\",\"index\":0}\n\n"
                        + "event: message_delta\ndata: {\"type\":\"message_delta\",\"delta\":{\"stop_reason\":\"end_turn\"},\"usage\":{\"output_tokens\":"
                        + tokens + "}}\n\nevent: message_stop\ndata: {\"type\":\"message_stop\"}\n\n");
            }
            case OPENAI_RESPONSES -> {
                for (int i = 0; i < tokens; i++) {
                    write(out, "event: response.output_text.delta\ndata: {\"type\":\"response.output_text.delta\",\"sequence_number\":" + (i + 4)
                            + ",\"item_id\":\"msg_0123456789abcdef\",\"output_index\":0,\"content_index\":0,\"delta\":\"" + token(i)
                            + "\",\"logprobs\":[],\"obfuscation\":\"Xr2p\"}\n\n");
                }
                write(out, "event: response.completed\ndata: {\"type\":\"response.completed\",\"sequence_number\":" + (tokens + 4)
                        + ",\"response\":{\"id\":\"resp_bench\",\"status\":\"completed\",\"usage\":{\"input_tokens\":12,\"output_tokens\":" + tokens + "}}}\n\n");
            }
            case OLLAMA -> {
                for (int i = 0; i < tokens; i++) {
                    write(out, "{\"model\":\"llama3.2\",\"created_at\":\"2026-11-24T10:00:00.123456789Z\",\"message\":{\"role\":\"assistant\","
                            + "\"content\":\"" + token(i) + "\"},\"done\":false}\n");
                }
                write(out, "{\"model\":\"llama3.2\",\"created_at\":\"2026-11-24T10:00:09Z\",\"message\":{\"role\":\"assistant\",\"content\":\"\"},"
                        + "\"done\":true,\"done_reason\":\"stop\",\"total_duration\":4883583458,\"prompt_eval_count\":26,\"eval_count\":" + tokens + "}\n");
            }
            case GEMINI -> {
                for (int i = 0; i < tokens; i++) {
                    write(out, "data: {\"candidates\": [{\"content\": {\"parts\": [{\"text\": \"" + token(i) + "\"}],\"role\": \"model\"},\"index\": 0"
                            + (i == tokens - 1 ? ",\"finishReason\": \"STOP\"" : "") + "}],\"usageMetadata\": {\"promptTokenCount\": 12,"
                            + "\"candidatesTokenCount\": " + (i + 1) + ",\"totalTokenCount\": " + (i + 13) + "},\"modelVersion\": \"gemini-2.5-flash\","
                            + "\"responseId\": \"mBcqacvhLrGk7M8PqpiRkA4\"}\r\n\r\n");
                }
            }
        }
        return out.toByteArray();
    }

    /** One Chat Completions chunk carrying {@code text}, as OpenAI sends it. */
    static String chatChunk(String text) {
        return "data: {\"id\":\"chatcmpl-bench\",\"object\":\"chat.completion.chunk\",\"created\":1764000000,"
                + "\"model\":\"gpt-4.1\",\"system_fingerprint\":\"fp_bench\",\"choices\":[{\"index\":0,\"delta\":{\"content\":\""
                + text + "\"},\"logprobs\":null,\"finish_reason\":null}]}\n\n";
    }

    private static void write(ByteArrayOutputStream out, String text) {
        out.writeBytes(text.getBytes(StandardCharsets.UTF_8));
    }
}
