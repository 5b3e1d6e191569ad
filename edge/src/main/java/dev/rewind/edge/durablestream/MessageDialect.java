package dev.rewind.edge.durablestream;

import dev.rewind.edge.compat.Dialect;
import dev.rewind.edge.compat.UiMessageChunks;
import dev.rewind.edge.hub.Delivery;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * What the JSON messages of a session's Durable Stream are: Rewind's own events (exactly the data
 * of {@code …/events}) or the AI SDK's UI message chunks (rendered by the AI SDK endpoint's own
 * {@link UiMessageChunks}, without its {@code [DONE]}, which is not JSON), or TanStack AI's
 * chunks ({@link TanStackChunks}).
 */
enum MessageDialect {
    EVENTS, AI_SDK, TANSTACK;

    /** Renders one read of a session, from its first event on (a dialect keeps state across events). */
    interface Renderer {
        List<String> messages(Delivery delivery);

        /** True once the dialect wrote its last message (the AI SDK's finish or error). */
        boolean ended();
    }

    String pathName() {
        return name().toLowerCase(Locale.ROOT).replace('_', '-');
    }

    static Optional<MessageDialect> byPathName(String name) {
        for (MessageDialect dialect : values()) {
            if (dialect.pathName().equals(name)) {
                return Optional.of(dialect);
            }
        }
        return Optional.empty();
    }

    Renderer renderer(String sessionId) {
        return switch (this) {
            case EVENTS -> new Renderer() {
                @Override
                public List<String> messages(Delivery delivery) {
                    return List.of(delivery.json());
                }

                @Override
                public boolean ended() {
                    return false;
                }
            };
            case AI_SDK -> {
                // the message id follows from the session, as on the AI SDK endpoint: every read names the same message
                Dialect chunks = new UiMessageChunks("msg_" + sessionId);
                yield new Renderer() {
                    @Override
                    public List<String> messages(Delivery delivery) {
                        return chunks.frames(delivery.event()).stream().filter(frame -> !frame.equals(Dialect.DONE)).toList();
                    }

                    @Override
                    public boolean ended() {
                        return chunks.ended();
                    }
                };
            }
            case TANSTACK -> new TanStackChunks(sessionId);
        };
    }
}
