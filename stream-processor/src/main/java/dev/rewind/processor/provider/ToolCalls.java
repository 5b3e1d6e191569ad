package dev.rewind.processor.provider;

import com.fasterxml.jackson.annotation.JsonAutoDetect;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.NullNode;
import dev.rewind.protocol.Json;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Consumer;

/**
 * The tool calls of one attempt, whatever the provider: numbered from 0 in order of appearance
 * (the provider's own index kept), id and name never overwritten with null, arguments joined
 * exactly as streamed with a parsed-so-far snapshot at most once per KiB of new arguments, and one
 * final event per call with its arguments validated as complete JSON.
 */
@JsonAutoDetect(fieldVisibility = JsonAutoDetect.Visibility.ANY, getterVisibility = JsonAutoDetect.Visibility.NONE,
        isGetterVisibility = JsonAutoDetect.Visibility.NONE)
final class ToolCalls {

    @JsonAutoDetect(fieldVisibility = JsonAutoDetect.Visibility.ANY, getterVisibility = JsonAutoDetect.Visibility.NONE,
            isGetterVisibility = JsonAutoDetect.Visibility.NONE)
    static final class Call {
        int index;
        Integer providerIndex;
        String id;
        String name;
        ArgumentText arguments = new ArgumentText();
        String finalArguments;
        boolean done;
        long argumentBytes;
        long snapshotAtBytes;
    }

    /** New argument bytes that earn a snapshot. */
    static final int SNAPSHOT_BYTES = 1024;

    private final Map<String, Call> calls = new LinkedHashMap<>();
    private boolean finished;

    /** Registers a call (or finds it) under {@code key}; id and name are kept when given. */
    Call open(String key, Integer providerIndex, String id, String name) {
        Call call = calls.computeIfAbsent(ProviderJson.wellFormed(key), k -> {
            Call created = new Call();
            created.index = calls.size();
            created.providerIndex = providerIndex;
            return created;
        });
        if (id != null && !id.isEmpty()) {
            call.id = id;
        }
        if (name != null && !name.isEmpty()) {
            call.name = name;
        }
        return call;
    }

    boolean has(String key) {
        return calls.containsKey(ProviderJson.wellFormed(key));
    }

    /**
     * Appends streamed argument text and emits the fragment, with a snapshot once a KiB has arrived
     * since the last one — or an eighth of what arrived so far, when that is more: each snapshot
     * repairs the whole text, and this keeps the work linear for very long arguments. Appending
     * costs only the fragment (ArgumentText).
     */
    void delta(Call call, String fragment, Consumer<Extracted> out) {
        call.arguments.append(fragment);
        call.argumentBytes += utf8Length(fragment);
        JsonNode snapshot = null;
        if (call.argumentBytes - call.snapshotAtBytes >= Math.max(SNAPSHOT_BYTES, call.argumentBytes / 8)) {
            call.snapshotAtBytes = call.argumentBytes;
            snapshot = PartialJson.repair(call.arguments.text());
        }
        out.accept(new Extracted.ToolCallDelta(call.index, call.providerIndex, call.id, call.name, fragment, snapshot));
    }

    /**
     * The provider restated the whole arguments at the end (Responses' {@code arguments.done}): the
     * restatement wins, and a mismatch with what streamed is reported.
     */
    void restate(Call call, String arguments, Consumer<Extracted> out) {
        call.finalArguments = arguments;
        if (!arguments.equals(call.arguments.text())) {
            out.accept(new Extracted.Malformed("arguments-mismatch",
                    "tool call " + call.index + ": the final arguments differ from the streamed ones"));
        }
    }

    /**
     * A call that arrives whole (Ollama, Gemini: arguments as a JSON value, not text fragments): one
     * fragment with the arguments serialised, then its final event at once.
     */
    void whole(String key, Integer providerIndex, String id, String name, JsonNode arguments, Consumer<Extracted> out) {
        Call call = open(key, providerIndex, id, name);
        delta(call, arguments == null || arguments.isMissingNode() || arguments.isNull() ? "" : arguments.toString(), out);
        finish(call, out);
    }

    /** Each call's final event, once. */
    void finish(Consumer<Extracted> out) {
        if (finished) {
            return;
        }
        finished = true;
        for (Call call : calls.values()) {
            finish(call, out);
        }
    }

    private void finish(Call call, Consumer<Extracted> out) {
        if (call.done) {
            return;
        }
        call.done = true;
        String arguments = call.finalArguments != null ? call.finalArguments : call.arguments.text();
        // a call whose fragments join to nothing had no arguments (Anthropic's first fragment is often "")
        JsonNode complete = arguments.isBlank() ? Json.MAPPER.createObjectNode() : PartialJson.parseComplete(arguments);
        JsonNode shown = complete != null ? complete : PartialJson.repair(arguments);
        out.accept(new Extracted.ToolCallFinal(call.index, call.providerIndex, call.id, call.name,
                shown == null ? NullNode.getInstance() : shown, complete != null));
    }

    int size() {
        return calls.size();
    }

    /** Each call's argument text by the call's index (for the processor's segment store). */
    Map<Integer, ArgumentText> argumentTexts() {
        if (calls.isEmpty()) {
            return Map.of(); // the common case, asked twice per record: no allocation
        }
        Map<Integer, ArgumentText> texts = new LinkedHashMap<>();
        calls.values().forEach(call -> texts.put(call.index, call.arguments));
        return texts;
    }

    /** Characters kept for the calls (arguments, ids, names), plus a little per call: all of it taken from the input. */
    long heldChars() {
        long chars = 0;
        for (Call call : calls.values()) {
            chars += 64 + call.arguments.length() + (call.finalArguments == null ? 0 : call.finalArguments.length())
                    + (call.id == null ? 0 : call.id.length()) + (call.name == null ? 0 : call.name.length());
        }
        return chars;
    }

    private static long utf8Length(String text) {
        long bytes = 0;
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            bytes += c < 0x80 ? 1 : c < 0x800 || Character.isSurrogate(c) ? 2 : 3;
        }
        return bytes;
    }
}
