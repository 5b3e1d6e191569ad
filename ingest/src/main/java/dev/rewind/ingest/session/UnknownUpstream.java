package dev.rewind.ingest.session;

import dev.rewind.protocol.ChunkRecord;
import dev.rewind.protocol.RequestRecord;
import dev.rewind.protocol.Topics;
import java.time.Clock;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerRecord;

/** Ends a session whose upstream this worker does not know, so that it never hangs. */
final class UnknownUpstream {

    private UnknownUpstream() {}

    static void end(RequestRecord.Start start, Producer<String, ChunkRecord> producer, Clock clock) {
        producer.send(new ProducerRecord<>(Topics.CHUNKS, start.sessionId(), new ChunkRecord.SessionEnded(
                start.sessionId(), 0, ChunkRecord.SessionOutcome.FAILED,
                "upstream '" + start.upstream() + "' is not configured in ingest", "unknown_upstream", false, null,
                clock.instant())));
    }
}
