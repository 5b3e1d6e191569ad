package dev.rewind.edge.store;

import static org.assertj.core.api.Assertions.assertThat;

import dev.rewind.protocol.Json;
import dev.rewind.protocol.ProviderFormat;
import dev.rewind.protocol.SessionIds;
import dev.rewind.protocol.SessionSummary;
import dev.rewind.protocol.SessionSummary.Status;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The store's conversation indexes: turns in order, conversations by activity, ownership by the earliest turn. */
class ConversationIndexTest {

    private static final Instant T0 = Instant.parse("2026-11-01T00:00:00Z");

    @TempDir
    Path dir;

    private long offset;

    @Test
    void listsTurnsOldestFirstAndConversationsByLatestActivityWithCursors() {
        try (SessionStore store = SessionStore.open(dir, 1 << 20)) {
            List<String> turns = new ArrayList<>();
            for (int i = 0; i < 3; i++) {
                String id = SessionIds.newId();
                turns.add(id);
                apply(store, turn(id, "alice", "chat-a", T0.plusSeconds(i), Status.COMPLETED));
            }
            apply(store, turn(SessionIds.newId(), "alice", "chat-b", T0.plusSeconds(10), Status.STREAMING));
            apply(store, turn(SessionIds.newId(), "alice", null, T0.plusSeconds(20), Status.COMPLETED));
            apply(store, turn(turns.get(2), "alice", "chat-a", T0.plusSeconds(2), Status.COMPLETED)); // a repeat summary

            SessionStore.Page first = store.turns("alice", "chat-a", 2, null);
            assertThat(first.sessions()).extracting(SessionSummary::id).containsExactly(turns.get(0), turns.get(1));
            SessionStore.Page rest = store.turns("alice", "chat-a", 2, first.nextCursor());
            assertThat(rest.sessions()).extracting(SessionSummary::id).containsExactly(turns.get(2));
            assertThat(rest.nextCursor()).isNull();

            SessionStore.ConversationPage page = store.conversations("alice", null, 1, null);
            assertThat(page.conversations()).singleElement().satisfies(c -> {
                assertThat(c.id()).isEqualTo("chat-b");
                assertThat(c.latest().status()).isEqualTo(Status.STREAMING);
            });
            SessionStore.ConversationPage next = store.conversations("alice", null, 5, page.nextCursor());
            assertThat(next.conversations()).singleElement().satisfies(c -> {
                assertThat(c.id()).isEqualTo("chat-a");
                assertThat(c.turns()).isEqualTo(3);
                assertThat(c.lastActivity()).isEqualTo(T0.plusSeconds(2));
                assertThat(c.latest().id()).isEqualTo(turns.get(2));
            });
            assertThat(store.conversations("alice", T0.plusSeconds(5), 5, null).conversations())
                    .extracting(SessionStore.Conversation::id).containsExactly("chat-b");
            assertThat(store.conversations("bob", null, 5, null).conversations()).isEmpty();
        }
    }

    @Test
    void theEarliestTurnsKeyOwnsTheConversationWhateverOrderSummariesArriveIn() {
        try (SessionStore store = SessionStore.open(dir, 1 << 20)) {
            apply(store, turn(SessionIds.newId(), "bob", "shared", T0.plusSeconds(5), Status.COMPLETED));
            assertThat(store.conversationOwner("shared")).contains("bob");
            apply(store, turn(SessionIds.newId(), "alice", "shared", T0, Status.COMPLETED));
            assertThat(store.conversationOwner("shared")).contains("alice");
            apply(store, turn(SessionIds.newId(), "bob", "shared", T0.plusSeconds(9), Status.COMPLETED));
            assertThat(store.conversationOwner("shared")).contains("alice");
            assertThat(store.conversationOwner("unknown")).isEmpty();
        }
    }

    @Test
    void aTombstoneOfTheLatestTurnMakesTheTurnBeforeItTheLatest() {
        try (SessionStore store = SessionStore.open(dir, 1 << 20)) {
            String older = SessionIds.newId();
            String latest = SessionIds.newId();
            apply(store, turn(older, "alice", "chat", T0, Status.COMPLETED));
            apply(store, turn(latest, "alice", "chat", T0.plusSeconds(1), Status.STREAMING));
            store.apply(List.of(new SessionStore.Update(0, offset, latest, null)), Map.of(0, ++offset));

            assertThat(store.conversation("alice", "chat")).hasValueSatisfying(c -> {
                assertThat(c.turns()).isEqualTo(1);
                assertThat(c.latest().id()).isEqualTo(older);
            });
            store.apply(List.of(new SessionStore.Update(0, offset, older, null)), Map.of(0, ++offset));
            assertThat(store.conversation("alice", "chat")).isEmpty();
            assertThat(store.conversations("alice", null, 5, null).conversations()).isEmpty();
        }
    }

    @Test
    void keepsConversationsAcrossAReopen() {
        String id = SessionIds.newId();
        try (SessionStore store = SessionStore.open(dir, 1 << 20)) {
            apply(store, turn(id, "alice", "chat", T0, Status.STREAMING));
        }
        try (SessionStore store = SessionStore.open(dir, 1 << 20)) {
            assertThat(store.conversation("alice", "chat")).hasValueSatisfying(c -> assertThat(c.latest().id()).isEqualTo(id));
            assertThat(store.conversationOwner("chat")).contains("alice");
        }
    }

    private void apply(SessionStore store, SessionSummary summary) {
        store.apply(List.of(new SessionStore.Update(0, offset, summary.id(), Json.toBytes(summary))), Map.of(0, ++offset));
    }

    private static SessionSummary turn(String id, String owner, String conversation, Instant createdAt, Status status) {
        return new SessionSummary(id, owner, "sim", ProviderFormat.OPENAI_CHAT, "sim-small", createdAt, status, List.of(),
                0, null, null, null, null, null, 0, conversation);
    }
}
