package dev.rewind.protocol;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.junit.jupiter.api.Test;

/** rewind.chunks: a chunk is its upstream bytes with the metadata in headers; markers and older chunks are JSON. */
class ChunkSerdeTest {

    private static final String S = "s_Xk3pQ9vL2mN8rT5wY7zA1b";
    private static final Instant AT = Instant.parse("2026-12-07T10:15:31.987654321Z");
    private static final byte[] BYTES = "data: {\"choices\":[{\"delta\":{\"content\":\"héllo\"}}]}\n\n".getBytes(StandardCharsets.UTF_8);
    private static final ChunkRecord.Chunk CHUNK = new ChunkRecord.Chunk(S, 2, 17, ProviderFormat.ANTHROPIC, BYTES, AT);

    @Test
    void aChunkIsWrittenAsItsUpstreamBytesWithItsMetadataInHeadersAndReadBackExactly() {
        Headers headers = new RecordHeaders();
        byte[] value = Serdes.CHUNK.serialize(Topics.CHUNKS, headers, CHUNK);

        assertThat(value).isEqualTo(BYTES);
        assertThat(text(headers, ChunkSerde.TYPE)).isEqualTo("chunk");
        assertThat(text(headers, ChunkSerde.SESSION_ID)).isEqualTo(S);
        assertThat(text(headers, ChunkSerde.ATTEMPT)).isEqualTo("2");
        assertThat(text(headers, ChunkSerde.SEQ)).isEqualTo("17");
        assertThat(text(headers, ChunkSerde.FORMAT)).isEqualTo("anthropic");
        assertThat(text(headers, ChunkSerde.RECEIVED_AT)).isEqualTo("1796638531987654321");
        assertThat(RecordDecoder.CHUNK.decode(S, headers, value)).isEqualTo(new RecordDecoder.Outcome.Decoded<>(CHUNK));
        assertThat(Serdes.CHUNK.deserialize(Topics.CHUNKS, headers, value)).isEqualTo(CHUNK);
    }

    @Test
    void markersStayJsonAndAChunkWrittenAsJsonByAnOlderVersionStillReads() {
        ChunkRecord ended = new ChunkRecord.AttemptEnded(S, 2, ChunkRecord.AttemptOutcome.COMPLETED, null, false, AT);
        Headers headers = new RecordHeaders();
        byte[] marker = Serdes.CHUNK.serialize(Topics.CHUNKS, headers, ended);
        assertThat(headers.toArray()).isEmpty();
        assertThat(Json.fromBytes(marker, ChunkRecord.class)).isEqualTo(ended);
        assertThat(RecordDecoder.CHUNK.decode(S, headers, marker)).isEqualTo(new RecordDecoder.Outcome.Decoded<>(ended));

        byte[] olderChunk = Json.toBytes(CHUNK);
        assertThat(RecordDecoder.CHUNK.decode(S, new RecordHeaders(), olderChunk)).isEqualTo(new RecordDecoder.Outcome.Decoded<>(CHUNK));
        assertThat(Serdes.CHUNK.deserialize(Topics.CHUNKS, new RecordHeaders(), olderChunk)).isEqualTo(CHUNK);
    }

    @Test
    void aRawRecordOfAnotherKindIsUnknownAndOneWithBadHeadersOrNoKeyIsUndecodableWithAReason() {
        Headers newer = new RecordHeaders().add(ChunkSerde.TYPE, "chunk_v2".getBytes(StandardCharsets.UTF_8));
        assertThat(RecordDecoder.CHUNK.decode(S, newer, BYTES)).isEqualTo(new RecordDecoder.Outcome.UnknownType<>("chunk_v2"));

        Headers badSeq = new RecordHeaders();
        Serdes.CHUNK.serialize(Topics.CHUNKS, badSeq, CHUNK);
        badSeq.remove(ChunkSerde.SEQ).add(ChunkSerde.SEQ, "seventeen".getBytes(StandardCharsets.UTF_8));
        assertThat(RecordDecoder.CHUNK.decode(S, badSeq, BYTES)).isInstanceOfSatisfying(RecordDecoder.Outcome.Undecodable.class,
                bad -> assertThat(bad.reason()).startsWith("invalid-record: a raw chunk with bad headers"));
        assertThatThrownBy(() -> Serdes.CHUNK.deserialize(Topics.CHUNKS, badSeq, BYTES)).isInstanceOf(SerializationException.class);

        Headers good = new RecordHeaders();
        Serdes.CHUNK.serialize(Topics.CHUNKS, good, CHUNK);
        assertThat(RecordDecoder.CHUNK.decode(null, good, BYTES)).isInstanceOfSatisfying(RecordDecoder.Outcome.Undecodable.class,
                bad -> assertThat(bad.reason()).startsWith("wrong-key: the key is missing"));
        assertThat(RecordDecoder.CHUNK.decode("s_another", good, BYTES)).isInstanceOfSatisfying(RecordDecoder.Outcome.Undecodable.class,
                bad -> assertThat(bad.reason()).startsWith("wrong-key: the key 's_another'"));
    }

    private static String text(Headers headers, String name) {
        return new String(headers.lastHeader(name).value(), StandardCharsets.UTF_8);
    }

    @Test
    void theWriterGenerationReadsBackAndIsZeroWhenAbsentOrMalformed() {
        assertThat(ChunkSerde.writerGeneration(new RecordHeaders(new Header[] {ChunkSerde.writerGeneration(42)}))).isEqualTo(42);
        assertThat(ChunkSerde.writerGeneration(new RecordHeaders())).isZero();
        assertThat(ChunkSerde.writerGeneration(new RecordHeaders().add(ChunkSerde.WRITER_GENERATION,
                "x".getBytes(StandardCharsets.US_ASCII)))).isZero();
        assertThat(ChunkSerde.writerGeneration(new RecordHeaders().add(ChunkSerde.WRITER_GENERATION,
                "-1".getBytes(StandardCharsets.US_ASCII)))).as("a consumer that had not joined yet").isZero();
    }
}
