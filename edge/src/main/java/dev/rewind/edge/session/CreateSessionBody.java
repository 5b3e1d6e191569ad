package dev.rewind.edge.session;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.rewind.protocol.ConversationIds;
import dev.rewind.protocol.RequestRecord.ChatMessage;
import java.util.List;
import java.util.Set;

/** The body of {@code POST /v1/sessions}, in OpenAI Chat Completions shape (DESIGN §4.1). */
record CreateSessionBody(String upstream, String model, List<ChatMessage> messages, ObjectNode params, String conversationId) {

    private static final Set<String> ROLES = Set.of("system", "developer", "user", "assistant", "tool");

    /** The first thing wrong with the body, in words a client can act on; null when it is valid. */
    String problem() {
        if (model == null || model.isBlank()) {
            return "'model' is required";
        }
        if (conversationId != null && !ConversationIds.isValid(conversationId)) {
            return "'conversation_id' must be " + ConversationIds.RULE;
        }
        if (messages == null || messages.isEmpty()) {
            return "'messages' must hold at least one message";
        }
        for (int i = 0; i < messages.size(); i++) {
            ChatMessage message = messages.get(i);
            if (message == null || !ROLES.contains(message.role())) {
                return "messages[" + i + "].role must be one of " + ROLES;
            }
        }
        if (params != null) {
            JsonNode n = params.get("n");
            if (n != null && !(n.isIntegralNumber() && n.asInt() == 1)) {
                return "params.n must be 1: a session streams exactly one choice";
            }
            if (params.has("stream")) {
                return "params.stream is set by Rewind (every session streams); leave it out";
            }
        }
        return null;
    }
}
