package dev.rewind.edge.store;

import dev.rewind.protocol.ConversationIds;
import dev.rewind.protocol.SessionSummary;
import static dev.rewind.edge.store.StoreKeys.concat;
import static dev.rewind.edge.store.StoreKeys.startsWith;
import static dev.rewind.edge.store.StoreKeys.utf8;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.Optional;
import org.rocksdb.ColumnFamilyHandle;
import org.rocksdb.ReadOptions;
import org.rocksdb.RocksDB;
import org.rocksdb.RocksDBException;
import org.rocksdb.RocksIterator;
import org.rocksdb.WriteBatchWithIndex;

/**
 * The conversation indexes of the {@link SessionStore}, kept in the same atomic batch as the
 * summaries they are built from: the turns of each conversation ({@code owner, conversation,
 * created_at, session}), one aggregate per conversation (turn count and latest turn), the
 * owner's conversations by last activity, and who owns each conversation id: the owner of its
 * earliest turn (created_at, then session id), which every edge instance decides alike once it
 * has read the same summaries.
 */
final class ConversationIndex implements AutoCloseable {

    /** One conversation as listed: its turn count and its latest turn's creation time and session. */
    record Conversation(String id, int turns, Instant lastActivity, String latestSessionId) {}

    /** A page of conversations (newest activity first) or of turns (oldest first); {@code nextCursor} set when more may follow. */
    record Page<T>(List<T> items, String nextCursor) {}

    private static final byte CONVERSATIONS_CURSOR = 'c';
    private static final byte TURNS_CURSOR = 't';

    private final RocksDB db;
    private final ColumnFamilyHandle turns;
    private final ColumnFamilyHandle aggregates;
    private final ColumnFamilyHandle byActivity;
    private final ColumnFamilyHandle owners;
    private final ReadOptions readOptions = new ReadOptions();

    ConversationIndex(RocksDB db, ColumnFamilyHandle turns, ColumnFamilyHandle aggregates, ColumnFamilyHandle byActivity,
            ColumnFamilyHandle owners) {
        this.db = db;
        this.turns = turns;
        this.aggregates = aggregates;
        this.byActivity = byActivity;
        this.owners = owners;
    }

    /** Moves the indexes from {@code previous} to {@code next} (either may be absent) inside {@code batch}. */
    void update(WriteBatchWithIndex batch, Optional<SessionSummary> previous, Optional<SessionSummary> next)
            throws RocksDBException {
        Optional<byte[]> before = previous.flatMap(ConversationIndex::turnKey);
        Optional<byte[]> after = next.flatMap(ConversationIndex::turnKey);
        if (before.isPresent() && after.isPresent() && Arrays.equals(before.get(), after.get())) {
            batch.put(turns, after.get(), status(next.get()));
            return;
        }
        if (before.isPresent()) {
            batch.delete(turns, before.get());
            removeTurn(batch, previous.get());
        }
        if (after.isPresent()) {
            batch.put(turns, after.get(), status(next.get()));
            addTurn(batch, next.get());
            claim(batch, next.get());
        }
    }

    /** The owner of the conversation's earliest turn, as far as this store has read. */
    Optional<String> owner(String conversationId) {
        byte[] value = read(owners, utf8(conversationId));
        if (value == null) {
            return Optional.empty();
        }
        ByteBuffer buffer = ByteBuffer.wrap(value);
        buffer.getLong();
        int idLength = buffer.getInt();
        return Optional.of(new String(value, Long.BYTES + Integer.BYTES + idLength,
                value.length - Long.BYTES - Integer.BYTES - idLength, StandardCharsets.UTF_8));
    }

    Optional<Conversation> conversation(String owner, String conversationId) {
        byte[] value = read(aggregates, conversationPrefix(owner, conversationId));
        return value == null ? Optional.empty() : Optional.of(aggregate(conversationId, value));
    }

    /** The owner's conversations, latest activity first, at most {@code limit}, none older than {@code since} (null: any). */
    Page<Conversation> conversations(String owner, Instant since, int limit, String cursor) {
        byte[] prefix = ownerPrefix(owner);
        List<Conversation> found = new ArrayList<>();
        byte[] last = null; // the cursor names the last entry returned
        try (RocksIterator it = db.newIterator(byActivity)) {
            byte[] start = cursor == null ? concat(prefix, max()) : concat(prefix, decode(cursor, true));
            it.seekForPrev(start);
            if (cursor != null && it.isValid() && Arrays.equals(it.key(), start)) {
                it.prev();
            }
            for (; it.isValid() && startsWith(it.key(), prefix); it.prev()) {
                byte[] key = it.key();
                long activity = ByteBuffer.wrap(key, prefix.length, Long.BYTES).getLong();
                if (since != null && activity < since.toEpochMilli()) {
                    return new Page<>(found, null);
                }
                if (found.size() == limit) {
                    return new Page<>(found, encode(Arrays.copyOfRange(last, prefix.length, last.length), true));
                }
                last = key;
                String id = new String(key, prefix.length + Long.BYTES, key.length - prefix.length - Long.BYTES,
                        StandardCharsets.UTF_8);
                conversation(owner, id).ifPresent(found::add);
            }
        }
        return new Page<>(found, null);
    }

    /** The session ids of the conversation's turns, oldest first, at most {@code limit}. */
    Page<String> turns(String owner, String conversationId, int limit, String cursor) {
        byte[] prefix = conversationPrefix(owner, conversationId);
        List<String> found = new ArrayList<>();
        byte[] last = null; // the cursor names the last entry returned
        try (RocksIterator it = db.newIterator(turns)) {
            byte[] start = cursor == null ? prefix : concat(prefix, decode(cursor, false));
            it.seek(start);
            if (cursor != null && it.isValid() && Arrays.equals(it.key(), start)) {
                it.next();
            }
            for (; it.isValid() && startsWith(it.key(), prefix); it.next()) {
                byte[] key = it.key();
                if (found.size() == limit) {
                    return new Page<>(found, encode(Arrays.copyOfRange(last, prefix.length, last.length), false));
                }
                last = key;
                found.add(new String(key, prefix.length + Long.BYTES, key.length - prefix.length - Long.BYTES,
                        StandardCharsets.UTF_8));
            }
        }
        return new Page<>(found, null);
    }

    private void addTurn(WriteBatchWithIndex batch, SessionSummary turn) throws RocksDBException {
        byte[] key = conversationPrefix(turn.owner(), turn.conversationId());
        byte[] value = batch.getFromBatchAndDB(db, aggregates, readOptions, key);
        long created = turn.createdAt().toEpochMilli();
        if (value == null) {
            writeAggregate(batch, turn.owner(), turn.conversationId(), 1, created, turn.id(), null);
            return;
        }
        Conversation known = aggregate(turn.conversationId(), value);
        boolean newer = created > known.lastActivity().toEpochMilli()
                || (created == known.lastActivity().toEpochMilli() && turn.id().compareTo(known.latestSessionId()) > 0);
        writeAggregate(batch, turn.owner(), turn.conversationId(), known.turns() + 1,
                newer ? created : known.lastActivity().toEpochMilli(), newer ? turn.id() : known.latestSessionId(), known);
    }

    private void removeTurn(WriteBatchWithIndex batch, SessionSummary turn) throws RocksDBException {
        byte[] key = conversationPrefix(turn.owner(), turn.conversationId());
        byte[] value = batch.getFromBatchAndDB(db, aggregates, readOptions, key);
        if (value == null) {
            return;
        }
        Conversation known = aggregate(turn.conversationId(), value);
        batch.delete(byActivity, activityKey(turn.owner(), known.lastActivity().toEpochMilli(), turn.conversationId()));
        if (known.turns() <= 1) {
            batch.delete(aggregates, key);
            return;
        }
        if (!known.latestSessionId().equals(turn.id())) {
            writeAggregate(batch, turn.owner(), turn.conversationId(), known.turns() - 1,
                    known.lastActivity().toEpochMilli(), known.latestSessionId(), null);
            return;
        }
        // the latest turn went: the one before it (the batch already lacks the deleted entry) is the latest now
        try (RocksIterator it = batch.newIteratorWithBase(turns, db.newIterator(turns))) {
            it.seekForPrev(concat(key, max()));
            if (it.isValid() && startsWith(it.key(), key)) {
                byte[] found = it.key();
                long created = ByteBuffer.wrap(found, key.length, Long.BYTES).getLong();
                String id = new String(found, key.length + Long.BYTES, found.length - key.length - Long.BYTES,
                        StandardCharsets.UTF_8);
                writeAggregate(batch, turn.owner(), turn.conversationId(), known.turns() - 1, created, id, null);
            } else {
                batch.delete(aggregates, key);
            }
        }
    }

    /** {@code replaced}: the aggregate whose activity entry must go (null when already removed or new). */
    private void writeAggregate(WriteBatchWithIndex batch, String owner, String conversationId, int count, long latestAt,
            String latestId, Conversation replaced) throws RocksDBException {
        if (replaced != null) {
            batch.delete(byActivity, activityKey(owner, replaced.lastActivity().toEpochMilli(), conversationId));
        }
        byte[] id = utf8(latestId);
        batch.put(aggregates, conversationPrefix(owner, conversationId),
                ByteBuffer.allocate(Integer.BYTES + Long.BYTES + id.length).putInt(count).putLong(latestAt).put(id).array());
        batch.put(byActivity, activityKey(owner, latestAt, conversationId), new byte[0]);
    }

    /** The earliest turn's owner owns the id: a later claim by another key never displaces it. */
    private void claim(WriteBatchWithIndex batch, SessionSummary turn) throws RocksDBException {
        byte[] key = utf8(turn.conversationId());
        byte[] value = batch.getFromBatchAndDB(db, owners, readOptions, key);
        long created = turn.createdAt().toEpochMilli();
        if (value != null) {
            ByteBuffer buffer = ByteBuffer.wrap(value);
            long claimedAt = buffer.getLong();
            int idLength = buffer.getInt();
            String claimedWith = new String(value, Long.BYTES + Integer.BYTES, idLength, StandardCharsets.UTF_8);
            if (claimedAt < created || (claimedAt == created && claimedWith.compareTo(turn.id()) <= 0)) {
                return;
            }
        }
        byte[] id = utf8(turn.id());
        byte[] owner = utf8(turn.owner());
        batch.put(owners, key, ByteBuffer.allocate(Long.BYTES + Integer.BYTES + id.length + owner.length)
                .putLong(created).putInt(id.length).put(id).put(owner).array());
    }

    private static Conversation aggregate(String conversationId, byte[] value) {
        ByteBuffer buffer = ByteBuffer.wrap(value);
        int count = buffer.getInt();
        long latestAt = buffer.getLong();
        return new Conversation(conversationId, count, Instant.ofEpochMilli(latestAt),
                new String(value, Integer.BYTES + Long.BYTES, value.length - Integer.BYTES - Long.BYTES, StandardCharsets.UTF_8));
    }

    /** Only a summary with owner, creation time and a well-formed conversation id is a turn. */
    private static Optional<byte[]> turnKey(SessionSummary summary) {
        if (summary.owner() == null || summary.createdAt() == null || !ConversationIds.isValid(summary.conversationId())) {
            return Optional.empty();
        }
        byte[] id = utf8(summary.id());
        return Optional.of(concat(conversationPrefix(summary.owner(), summary.conversationId()),
                ByteBuffer.allocate(Long.BYTES + id.length).putLong(summary.createdAt().toEpochMilli()).put(id).array()));
    }

    private static byte[] status(SessionSummary summary) {
        return utf8(summary.status() == null ? SessionSummary.Status.PENDING.wireName() : summary.status().wireName());
    }

    private static byte[] ownerPrefix(String owner) {
        return concat(utf8(owner), new byte[] {0});
    }

    private static byte[] conversationPrefix(String owner, String conversationId) {
        return concat(ownerPrefix(owner), concat(utf8(conversationId), new byte[] {0}));
    }

    private static byte[] activityKey(String owner, long at, String conversationId) {
        byte[] id = utf8(conversationId);
        return concat(ownerPrefix(owner), ByteBuffer.allocate(Long.BYTES + id.length).putLong(at).put(id).array());
    }

    private byte[] read(ColumnFamilyHandle family, byte[] key) {
        try {
            return db.get(family, key);
        } catch (RocksDBException e) {
            throw new IllegalStateException("session store read failed: " + e.getMessage(), e);
        }
    }

    /** A kind byte first, so a cursor of one list is refused by the other (and most garbage by both). */
    private static String encode(byte[] suffix, boolean conversationCursor) {
        byte[] tagged = new byte[suffix.length + 1];
        tagged[0] = conversationCursor ? CONVERSATIONS_CURSOR : TURNS_CURSOR;
        System.arraycopy(suffix, 0, tagged, 1, suffix.length);
        return Base64.getUrlEncoder().withoutPadding().encodeToString(tagged);
    }

    /** A cursor is its kind, then a key suffix: created_at or last activity, then a session id or a conversation id. */
    private static byte[] decode(String cursor, boolean conversationCursor) {
        byte[] raw;
        try {
            raw = Base64.getUrlDecoder().decode(cursor);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("'cursor' is not a cursor this API returned");
        }
        if (raw.length <= 1 + Long.BYTES || raw[0] != (conversationCursor ? CONVERSATIONS_CURSOR : TURNS_CURSOR)) {
            throw new IllegalArgumentException("'cursor' is not a cursor this API returned");
        }
        raw = Arrays.copyOfRange(raw, 1, raw.length);
        String id = new String(raw, Long.BYTES, raw.length - Long.BYTES, StandardCharsets.UTF_8);
        boolean valid = conversationCursor ? ConversationIds.isValid(id) : dev.rewind.protocol.SessionIds.isValid(id);
        if (!valid) {
            throw new IllegalArgumentException("'cursor' is not a cursor this API returned");
        }
        return raw;
    }

    private static byte[] max() {
        byte[] max = new byte[Long.BYTES + 130];
        Arrays.fill(max, (byte) 0xFF);
        return max;
    }

    @Override
    public void close() {
        readOptions.close();
    }
}
