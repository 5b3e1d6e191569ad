package dev.rewind.edge.store;

import dev.rewind.protocol.ops.CloseSteps;
import dev.rewind.protocol.Json;
import dev.rewind.protocol.SessionIds;
import dev.rewind.protocol.SessionSummary;
import java.io.IOException;
import java.io.UncheckedIOException;
import static dev.rewind.edge.store.StoreKeys.concat;
import static dev.rewind.edge.store.StoreKeys.startsWith;
import static dev.rewind.edge.store.StoreKeys.utf8;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.rocksdb.BlockBasedTableConfig;
import org.rocksdb.ColumnFamilyDescriptor;
import org.rocksdb.ColumnFamilyHandle;
import org.rocksdb.ColumnFamilyOptions;
import org.rocksdb.CompressionType;
import org.rocksdb.DBOptions;
import org.rocksdb.LRUCache;
import org.rocksdb.RocksDB;
import org.rocksdb.RocksDBException;
import org.rocksdb.RocksIterator;
import org.rocksdb.WriteBatchWithIndex;
import org.rocksdb.WriteOptions;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * This edge instance's on-disk copy of {@code rewind.sessions}: the latest summary by session id,
 * an index {@code owner, created_at, id} for paging an owner's sessions, and the consumed offsets,
 * all written in one atomic batch so that a restart resumes exactly where the copy stands.
 * Memory is bounded by RocksDB's block cache and write buffers; the data lives on disk.
 */
public final class SessionStore implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(SessionStore.class);
    private static final byte[] SUMMARIES = "summaries".getBytes(StandardCharsets.UTF_8);
    private static final byte[] BY_OWNER = "by-owner".getBytes(StandardCharsets.UTF_8);
    private static final byte[] OFFSETS = "offsets".getBytes(StandardCharsets.UTF_8);
    private static final List<byte[]> CONVERSATION_FAMILIES = List.of("conversation-turns", "conversations",
            "conversations-by-activity", "conversation-owners").stream().map(n -> n.getBytes(StandardCharsets.UTF_8)).toList();
    private static final int CURSOR_BYTES = Long.BYTES + 24;

    static {
        RocksDB.loadLibrary();
    }

    /** One record of {@code rewind.sessions}: a summary's JSON, or null for a tombstone. */
    public record Update(int partition, long offset, String sessionId, byte[] value) {}

    /** What a page asks for: sessions created at or after {@code since} (null: any), of these statuses (empty: any). */
    public record PageQuery(Instant since, Set<SessionSummary.Status> statuses, int limit, String cursor, int scanBudget) {}

    /** Newest first; {@code nextCursor} is set when more may follow. */
    public record Page(List<SessionSummary> sessions, String nextCursor) {}

    /** A conversation as listed: {@code lastActivity} is when its latest turn began; {@code latest} that turn's summary. */
    public record Conversation(String id, int turns, Instant lastActivity, SessionSummary latest) {}

    /** Latest activity first; {@code nextCursor} is set when more may follow. */
    public record ConversationPage(List<Conversation> conversations, String nextCursor) {}

    private final LRUCache cache;
    private final DBOptions dbOptions;
    private final ColumnFamilyOptions columnOptions;
    private final WriteOptions writeOptions;
    private final RocksDB db;
    private final List<ColumnFamilyHandle> handles;
    private final ColumnFamilyHandle summaries;
    private final ColumnFamilyHandle byOwner;
    private final ColumnFamilyHandle offsets;
    private final ConversationIndex conversations;

    private SessionStore(LRUCache cache, DBOptions dbOptions, ColumnFamilyOptions columnOptions, RocksDB db,
            List<ColumnFamilyHandle> handles) {
        this.cache = cache;
        this.dbOptions = dbOptions;
        this.columnOptions = columnOptions;
        this.writeOptions = new WriteOptions();
        this.db = db;
        this.handles = handles;
        this.summaries = handles.get(1);
        this.byOwner = handles.get(2);
        this.offsets = handles.get(3);
        this.conversations = new ConversationIndex(db, handles.get(4), handles.get(5), handles.get(6), handles.get(7));
    }

    /** Opens (or creates) the store in {@code dir}; RocksDB's lock refuses a directory another process holds. */
    public static SessionStore open(Path dir, long blockCacheBytes) {
        try {
            Files.createDirectories(dir);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create the session store directory " + dir, e);
        }
        LRUCache cache = new LRUCache(blockCacheBytes);
        DBOptions dbOptions = new DBOptions().setCreateIfMissing(true).setCreateMissingColumnFamilies(true)
                .setMaxOpenFiles(256).setKeepLogFileNum(3);
        ColumnFamilyOptions columnOptions = new ColumnFamilyOptions()
                .setTableFormatConfig(new BlockBasedTableConfig().setBlockCache(cache))
                .setWriteBufferSize(8L << 20)
                .setMaxWriteBufferNumber(2)
                .setCompressionType(CompressionType.LZ4_COMPRESSION);
        // families missing from a store made by an older edge are created empty (no summary there names a conversation)
        List<ColumnFamilyDescriptor> families = new ArrayList<>(List.of(
                new ColumnFamilyDescriptor(RocksDB.DEFAULT_COLUMN_FAMILY, columnOptions),
                new ColumnFamilyDescriptor(SUMMARIES, columnOptions),
                new ColumnFamilyDescriptor(BY_OWNER, columnOptions),
                new ColumnFamilyDescriptor(OFFSETS, columnOptions)));
        CONVERSATION_FAMILIES.forEach(name -> families.add(new ColumnFamilyDescriptor(name, columnOptions)));
        List<ColumnFamilyHandle> handles = new ArrayList<>();
        try {
            RocksDB db = RocksDB.open(dbOptions, dir.toAbsolutePath().toString(), families, handles);
            return new SessionStore(cache, dbOptions, columnOptions, db, handles);
        } catch (RocksDBException e) {
            columnOptions.close();
            dbOptions.close();
            cache.close();
            throw new IllegalStateException("cannot open the session store in " + dir + ": " + e.getMessage()
                    + " (store.dir must be this edge instance's own directory)", e);
        }
    }

    public Optional<SessionSummary> get(String sessionId) {
        try {
            byte[] value = db.get(summaries, utf8(sessionId));
            return value == null ? Optional.empty() : Optional.of(Json.fromBytes(value, SessionSummary.class));
        } catch (RocksDBException e) {
            throw new IllegalStateException("session store read failed: " + e.getMessage(), e);
        }
    }

    /** The next offset to consume per partition of {@code rewind.sessions}, as last written. */
    public Map<Integer, Long> nextOffsets() {
        Map<Integer, Long> next = new HashMap<>();
        try (RocksIterator it = db.newIterator(offsets)) {
            for (it.seekToFirst(); it.isValid(); it.next()) {
                next.put(ByteBuffer.wrap(it.key()).getInt(), ByteBuffer.wrap(it.value()).getLong());
            }
        }
        return next;
    }

    /**
     * Applies consumed records and the consumer's positions after them (the next offset to read per
     * partition, past transaction markers too) in one atomic write.
     */
    public void apply(List<Update> updates, Map<Integer, Long> positions) {
        Map<String, Optional<SessionSummary>> written = new HashMap<>();
        try (WriteBatchWithIndex batch = new WriteBatchWithIndex(true)) {
            for (Update update : updates) {
                Optional<SessionSummary> previous = written.containsKey(update.sessionId())
                        ? written.get(update.sessionId()) : get(update.sessionId());
                Optional<SessionSummary> next = parse(update);
                if (next == null) {
                    continue; // unreadable: keep what we had, but move past it
                }
                previous.flatMap(SessionStore::indexKey).ifPresent(key -> delete(batch, byOwner, key));
                if (next.isEmpty()) {
                    delete(batch, summaries, utf8(update.sessionId()));
                } else {
                    put(batch, summaries, utf8(update.sessionId()), update.value());
                    SessionSummary summary = next.get();
                    indexKey(summary).ifPresent(key -> put(batch, byOwner, key, utf8(statusOf(summary))));
                }
                conversations.update(batch, previous, next);
                written.put(update.sessionId(), next);
            }
            positions.forEach((partition, offset) -> put(batch, offsets,
                    ByteBuffer.allocate(Integer.BYTES).putInt(partition).array(),
                    ByteBuffer.allocate(Long.BYTES).putLong(offset).array()));
            db.write(writeOptions, batch);
        } catch (RocksDBException e) {
            throw new IllegalStateException("session store write failed: " + e.getMessage(), e);
        }
    }

    /**
     * One page of {@code owner}'s sessions, newest first, from the index: at most {@code limit}
     * sessions and {@code scanBudget} index entries examined. Throws {@link IllegalArgumentException}
     * for a cursor that is not one of ours.
     */
    public Page page(String owner, PageQuery query) {
        byte[] prefix = ownerPrefix(owner);
        byte[] start = query.cursor() == null ? concat(prefix, maxSuffix()) : concat(prefix, decodeCursor(query.cursor()));
        List<SessionSummary> found = new ArrayList<>();
        byte[] lastExamined = null;
        int examined = 0;
        try (RocksIterator it = db.newIterator(byOwner)) {
            it.seekForPrev(start);
            if (query.cursor() != null && it.isValid() && Arrays.equals(it.key(), start)) {
                it.prev(); // the cursor names the last entry already returned
            }
            for (; it.isValid() && startsWith(it.key(), prefix); it.prev()) {
                byte[] key = it.key();
                if (query.since() != null && createdAtOf(key, prefix) < query.since().toEpochMilli()) {
                    return new Page(found, null);
                }
                if (found.size() == query.limit() || examined == query.scanBudget()) {
                    return new Page(found, encodeCursor(lastExamined, prefix));
                }
                examined++;
                lastExamined = key;
                if (query.statuses().isEmpty() || query.statuses().stream()
                        .anyMatch(s -> s.wireName().equals(new String(it.value(), StandardCharsets.UTF_8)))) {
                    get(new String(key, prefix.length + Long.BYTES, key.length - prefix.length - Long.BYTES,
                            StandardCharsets.UTF_8)).ifPresent(found::add);
                }
            }
        }
        return new Page(found, null);
    }

    /** Who owns a conversation id: the API key of its earliest turn this store has read, if any. */
    public Optional<String> conversationOwner(String conversationId) {
        return conversations.owner(conversationId);
    }

    /** A conversation of {@code owner}: turn count, last activity and latest turn; empty when it has no turn here. */
    public Optional<Conversation> conversation(String owner, String conversationId) {
        return conversations.conversation(owner, conversationId).map(this::resolve);
    }

    /**
     * One page of {@code owner}'s conversations, latest activity first (at most {@code limit}, none
     * whose latest turn began before {@code since}). Throws {@link IllegalArgumentException} for a foreign cursor.
     */
    public ConversationPage conversations(String owner, Instant since, int limit, String cursor) {
        ConversationIndex.Page<ConversationIndex.Conversation> page = conversations.conversations(owner, since, limit, cursor);
        return new ConversationPage(page.items().stream().map(this::resolve).toList(), page.nextCursor());
    }

    /** One page of a conversation's turns, oldest first, as their summaries. */
    public Page turns(String owner, String conversationId, int limit, String cursor) {
        ConversationIndex.Page<String> page = conversations.turns(owner, conversationId, limit, cursor);
        List<SessionSummary> found = new ArrayList<>();
        page.items().forEach(id -> get(id).ifPresent(found::add));
        return new Page(found, page.nextCursor());
    }

    private Conversation resolve(ConversationIndex.Conversation c) {
        return new Conversation(c.id(), c.turns(), c.lastActivity(), get(c.latestSessionId()).orElse(null));
    }

    private static Optional<SessionSummary> parse(Update update) {
        if (update.value() == null) {
            return Optional.empty();
        }
        try {
            SessionSummary summary = Json.fromBytes(update.value(), SessionSummary.class);
            if (summary.id() == null || !summary.id().equals(update.sessionId())) {
                LOG.warn("skipping summary at {}-{}: its id does not match the record key", update.partition(),
                        update.offset());
                return null;
            }
            return Optional.of(summary);
        } catch (UncheckedIOException e) {
            LOG.warn("skipping unreadable summary at {}-{}", update.partition(), update.offset());
            return null;
        }
    }

    private static String statusOf(SessionSummary summary) {
        return summary.status() == null ? SessionSummary.Status.PENDING.wireName() : summary.status().wireName();
    }

    /** {@code owner 0x00 created_at(8 bytes, big-endian) id}: byte order is owner, then time, then id. */
    private static Optional<byte[]> indexKey(SessionSummary summary) {
        if (summary.owner() == null || summary.createdAt() == null) {
            return Optional.empty();
        }
        return Optional.of(concat(ownerPrefix(summary.owner()), suffix(summary.createdAt().toEpochMilli(), summary.id())));
    }

    private static byte[] ownerPrefix(String owner) {
        return concat(utf8(owner), new byte[] {0});
    }

    private static byte[] suffix(long createdAtMillis, String id) {
        return ByteBuffer.allocate(Long.BYTES + id.length()).putLong(createdAtMillis).put(utf8(id)).array();
    }

    private static byte[] maxSuffix() {
        byte[] max = new byte[CURSOR_BYTES + 1];
        Arrays.fill(max, (byte) 0xFF);
        return max;
    }

    private static long createdAtOf(byte[] key, byte[] prefix) {
        return ByteBuffer.wrap(key, prefix.length, Long.BYTES).getLong();
    }

    private static String encodeCursor(byte[] key, byte[] prefix) {
        return key == null ? null
                : Base64.getUrlEncoder().withoutPadding().encodeToString(Arrays.copyOfRange(key, prefix.length, key.length));
    }

    private static byte[] decodeCursor(String cursor) {
        byte[] raw;
        try {
            raw = Base64.getUrlDecoder().decode(cursor);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("'cursor' is not a cursor this API returned");
        }
        if (raw.length != CURSOR_BYTES
                || !SessionIds.isValid(new String(raw, Long.BYTES, raw.length - Long.BYTES, StandardCharsets.UTF_8))) {
            throw new IllegalArgumentException("'cursor' is not a cursor this API returned");
        }
        return raw;
    }

    private static void put(WriteBatchWithIndex batch, ColumnFamilyHandle family, byte[] key, byte[] value) {
        try {
            batch.put(family, key, value);
        } catch (RocksDBException e) {
            throw new IllegalStateException("session store write failed: " + e.getMessage(), e);
        }
    }

    private static void delete(WriteBatchWithIndex batch, ColumnFamilyHandle family, byte[] key) {
        try {
            batch.delete(family, key);
        } catch (RocksDBException e) {
            throw new IllegalStateException("session store write failed: " + e.getMessage(), e);
        }
    }

    @Override
    public void close() {
        CloseSteps.run(conversations::close, () -> handles.forEach(ColumnFamilyHandle::close), db::close, writeOptions::close, columnOptions::close,
                dbOptions::close, cache::close);
    }
}
