package dev.rewind.ingest.session;

import dev.rewind.ingest.retry.UpstreamBreakers;
import dev.rewind.ingest.retry.UpstreamRetryPolicy;
import dev.rewind.protocol.ChunkRecord;
import dev.rewind.protocol.telemetry.GenAiMeters;
import dev.rewind.protocol.telemetry.Telemetry;
import java.net.http.HttpClient;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Clock;
import org.apache.kafka.clients.producer.Producer;

/** What every session run of a worker shares. */
public record RunServices(
        HttpClient http,
        Producer<String, ChunkRecord> producer,
        SessionLimits limits,
        UpstreamRetryPolicy retryPolicy,
        UpstreamBreakers breakers,
        SessionHistory history,
        Clock clock,
        MeterRegistry meters,
        FreezeFence fence,
        Telemetry telemetry,
        GenAiMeters genAi) {}
