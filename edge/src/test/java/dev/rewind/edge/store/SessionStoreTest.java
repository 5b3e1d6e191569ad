package dev.rewind.edge.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

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
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The on-disk store alone: summaries by id, the owner index for paging, and offsets that survive a reopen. */
class SessionStoreTest {

    private static final Instant T0 = Instant.parse("2026-11-01T00:00:00Z");

    @TempDir
    Path dir;

    @Test
    void pagesAnOwnersSessionsNewestFirstWithAnOpaqueCursorAndNothingOfOtherOwners() {
        try (SessionStore store = SessionStore.open(dir, 1 << 20)) {
            List<String> ids = new ArrayList<>();
            for (int i = 0; i < 5; i++) {
                String id = SessionIds.newId();
                ids.add(id);
                apply(store, 0, i, summary(id, "alice", T0.plusSeconds(i), Status.COMPLETED));
            }
            apply(store, 0, 5, summary(SessionIds.newId(), "alice-2", T0.plusSeconds(10), Status.COMPLETED));
            apply(store, 0, 6, summary(SessionIds.newId(), "bob", T0.plusSeconds(10), Status.COMPLETED));

            SessionStore.Page first = store.page("alice", query(null, Set.of(), 2, null));
            assertThat(first.sessions()).extracting(SessionSummary::id).containsExactly(ids.get(4), ids.get(3));
            assertThat(first.nextCursor()).isNotNull();
            SessionStore.Page second = store.page("alice", query(null, Set.of(), 2, first.nextCursor()));
            assertThat(second.sessions()).extracting(SessionSummary::id).containsExactly(ids.get(2), ids.get(1));
            SessionStore.Page third = store.page("alice", query(null, Set.of(), 2, second.nextCursor()));
            assertThat(third.sessions()).extracting(SessionSummary::id).containsExactly(ids.get(0));
            assertThat(third.nextCursor()).isNull();
        }
    }

    @Test
    void filtersBySinceAndStatusAndFollowsAStatusChangeWithoutDuplicates() {
        try (SessionStore store = SessionStore.open(dir, 1 << 20)) {
            String old = SessionIds.newId();
            String running = SessionIds.newId();
            String failed = SessionIds.newId();
            apply(store, 0, 0, summary(old, "alice", T0, Status.COMPLETED));
            apply(store, 0, 1, summary(running, "alice", T0.plusSeconds(60), Status.STREAMING));
            apply(store, 0, 2, summary(failed, "alice", T0.plusSeconds(120), Status.FAILED));

            assertThat(store.page("alice", query(T0.plusSeconds(30), Set.of(), 10, null)).sessions())
                    .extracting(SessionSummary::id).containsExactly(failed, running);
            assertThat(store.page("alice", query(null, Set.of(Status.STREAMING), 10, null)).sessions())
                    .extracting(SessionSummary::id).containsExactly(running);

            apply(store, 0, 3, summary(running, "alice", T0.plusSeconds(60), Status.COMPLETED));
            assertThat(store.page("alice", query(null, Set.of(Status.STREAMING), 10, null)).sessions()).isEmpty();
            assertThat(store.page("alice", query(null, Set.of(Status.COMPLETED), 10, null)).sessions())
                    .extracting(SessionSummary::id).containsExactly(running, old);
            assertThat(store.get(running)).map(SessionSummary::status).hasValue(Status.COMPLETED);
        }
    }

    @Test
    void aStatusFilterExaminesAtMostTheScanBudgetAndHandsBackACursor() {
        try (SessionStore store = SessionStore.open(dir, 1 << 20)) {
            String wanted = SessionIds.newId();
            apply(store, 0, 0, summary(wanted, "alice", T0, Status.FAILED));
            for (int i = 1; i <= 10; i++) {
                apply(store, 0, i, summary(SessionIds.newId(), "alice", T0.plusSeconds(i), Status.COMPLETED));
            }
            SessionStore.Page page = store.page("alice", new SessionStore.PageQuery(null, Set.of(Status.FAILED), 5, null, 4));
            assertThat(page.sessions()).isEmpty();
            assertThat(page.nextCursor()).isNotNull();
            List<String> found = new ArrayList<>();
            String cursor = page.nextCursor();
            while (cursor != null) {
                SessionStore.Page next = store.page("alice", new SessionStore.PageQuery(null, Set.of(Status.FAILED), 5, cursor, 4));
                next.sessions().forEach(s -> found.add(s.id()));
                cursor = next.nextCursor();
            }
            assertThat(found).containsExactly(wanted);
        }
    }

    @Test
    void aTombstoneRemovesTheSummaryAndItsIndexEntry() {
        try (SessionStore store = SessionStore.open(dir, 1 << 20)) {
            String id = SessionIds.newId();
            apply(store, 1, 0, summary(id, "alice", T0, Status.COMPLETED));
            store.apply(List.of(new SessionStore.Update(1, 1, id, null)), Map.of(1, 2L));
            assertThat(store.get(id)).isEmpty();
            assertThat(store.page("alice", query(null, Set.of(), 10, null)).sessions()).isEmpty();
        }
    }

    @Test
    void keepsSummariesAndOffsetsAcrossAReopen() {
        String id = SessionIds.newId();
        try (SessionStore store = SessionStore.open(dir, 1 << 20)) {
            apply(store, 2, 41, summary(id, "alice", T0, Status.COMPLETED));
        }
        try (SessionStore reopened = SessionStore.open(dir, 1 << 20)) {
            assertThat(reopened.get(id)).map(SessionSummary::owner).hasValue("alice");
            assertThat(reopened.nextOffsets()).containsEntry(2, 42L);
        }
    }

    @Test
    void skipsAnUnreadableValueButMovesPastIt() {
        try (SessionStore store = SessionStore.open(dir, 1 << 20)) {
            String id = SessionIds.newId();
            store.apply(List.of(new SessionStore.Update(0, 7, id, "{not json".getBytes())), Map.of(0, 8L));
            assertThat(store.get(id)).isEmpty();
            assertThat(store.nextOffsets()).containsEntry(0, 8L);
        }
    }

    @Test
    void refusesACursorItDidNotMake() {
        try (SessionStore store = SessionStore.open(dir, 1 << 20)) {
            assertThatThrownBy(() -> store.page("alice", query(null, Set.of(), 10, "not-a-cursor")))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("cursor");
        }
    }

    @Test
    void refusesASecondOpenOfTheSameDirectoryNamingTheKey() {
        try (SessionStore store = SessionStore.open(dir, 1 << 20)) {
            assertThatThrownBy(() -> SessionStore.open(dir, 1 << 20))
                    .isInstanceOf(IllegalStateException.class).hasMessageContaining("store.dir");
        }
    }

    private static SessionStore.PageQuery query(Instant since, Set<Status> statuses, int limit, String cursor) {
        return new SessionStore.PageQuery(since, statuses, limit, cursor, 1000);
    }

    private static void apply(SessionStore store, int partition, long offset, SessionSummary summary) {
        store.apply(List.of(new SessionStore.Update(partition, offset, summary.id(), Json.toBytes(summary))),
                Map.of(partition, offset + 1));
    }

    static SessionSummary summary(String id, String owner, Instant createdAt, Status status) {
        return new SessionSummary(id, owner, "sim", ProviderFormat.OPENAI_CHAT, "sim-small", createdAt, status, List.of(),
                0, null, null, null, null, null, 0);
    }
}
