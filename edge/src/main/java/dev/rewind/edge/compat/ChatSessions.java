package dev.rewind.edge.compat;

import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * The latest session of each AI SDK chat, by owner and chat id, for the resume route. Bounded:
 * the least recently used chat is forgotten past {@code compat.ai_sdk_chats_max} (its resume then
 * answers 204, as for a finished response). Held in memory by the instance that took the POST.
 */
final class ChatSessions {

    private static final Pattern CHAT_ID = Pattern.compile("[A-Za-z0-9_-]{1,128}");

    /** A chat's latest session; {@code finished} once a follower saw its terminal event. */
    record Active(String sessionId, Instant createdAt, boolean finished) {}

    private final Map<String, Active> chats;

    ChatSessions(int max) {
        this.chats = new LinkedHashMap<>(16, 0.75f, true) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<String, Active> eldest) {
                return size() > max;
            }
        };
    }

    static boolean isValidChatId(String chatId) {
        return chatId != null && CHAT_ID.matcher(chatId).matches();
    }

    synchronized void started(String owner, String chatId, String sessionId, Instant createdAt) {
        chats.put(key(owner, chatId), new Active(sessionId, createdAt, false));
    }

    /** Marks {@code sessionId} finished, unless the chat has moved on to a newer session. */
    synchronized void finished(String owner, String chatId, String sessionId) {
        chats.computeIfPresent(key(owner, chatId), (k, active) ->
                active.sessionId().equals(sessionId) ? new Active(sessionId, active.createdAt(), true) : active);
    }

    synchronized Optional<Active> latest(String owner, String chatId) {
        return Optional.ofNullable(chats.get(key(owner, chatId)));
    }

    private static String key(String owner, String chatId) {
        return owner + '\u0000' + chatId;
    }
}
