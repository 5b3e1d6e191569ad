package dev.rewind.ingest.upstream;

import java.net.http.HttpClient;
import java.time.Duration;
import java.util.concurrent.Executors;

/** The HTTP client every upstream call of an ingest process goes through. */
public final class UpstreamClient {

    private UpstreamClient() {}

    /**
     * HTTP/1.1 (every provider streams over it; one connection per stream keeps a stalled stream's
     * cut to itself), no redirects followed (an API key never goes to another host). The client's
     * own tasks, which hand each read over to the session reading it, run on virtual threads instead
     * of its default cached pool of platform threads: 15–20 µs less CPU per upstream read
     * ({@code UpstreamReadCostBenchmark}, docs/benchmarks.md). That executor pools no threads, so
     * closing the client is all its shutdown needs.
     */
    public static HttpClient create(Duration connectTimeout) {
        return HttpClient.newBuilder()
                .version(HttpClient.Version.HTTP_1_1)
                .executor(Executors.newVirtualThreadPerTaskExecutor())
                .connectTimeout(connectTimeout)
                .followRedirects(HttpClient.Redirect.NEVER)
                .build();
    }
}
