package dev.rewind.protocol;

import java.util.regex.Pattern;

/**
 * Conversation ids are the client's own (an AI SDK chat id, a thread id of the application):
 * 1 to 128 of {@code [A-Za-z0-9_-]}, so they are safe in paths, store keys and headers as they are.
 */
public final class ConversationIds {

    private static final Pattern FORMAT = Pattern.compile("[A-Za-z0-9_-]{1,128}");

    /** What a client is told when its id does not fit. */
    public static final String RULE = "1-128 of [A-Za-z0-9_-]";

    private ConversationIds() {}

    public static boolean isValid(String candidate) {
        return candidate != null && FORMAT.matcher(candidate).matches();
    }
}
