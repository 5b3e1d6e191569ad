package dev.rewind.bench.edge;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.Socket;
import java.nio.charset.StandardCharsets;

/**
 * A minimal SSE client on a blocking socket: one request, then line by line. Hand-written so that a
 * load client holds thousands of streams with one small buffer each (the JDK HttpClient keeps far
 * more per connection).
 */
final class RawSse implements AutoCloseable {

    private final Socket socket;
    private final BufferedReader lines;
    final int status;

    RawSse(int port, String path, String token, String lastEventId) throws IOException {
        socket = new Socket("127.0.0.1", port);
        socket.setTcpNoDelay(true);
        StringBuilder request = new StringBuilder("GET ").append(path).append(" HTTP/1.1\r\nHost: 127.0.0.1\r\n")
                .append("Authorization: Bearer ").append(token).append("\r\nAccept: text/event-stream\r\n");
        if (lastEventId != null) {
            request.append("Last-Event-ID: ").append(lastEventId).append("\r\n");
        }
        socket.getOutputStream().write(request.append("\r\n").toString().getBytes(StandardCharsets.US_ASCII));
        lines = new BufferedReader(new InputStreamReader(socket.getInputStream(), StandardCharsets.UTF_8), 1024);
        String statusLine = lines.readLine();
        status = statusLine == null ? -1 : Integer.parseInt(statusLine.split(" ")[1]);
        String line;
        while ((line = lines.readLine()) != null && !line.isEmpty()) {
            // response headers
        }
    }

    /** The next line of the body (chunk-size lines of chunked encoding included), or null at the end. */
    String readLine() throws IOException {
        return lines.readLine();
    }

    /** Reads up to the next {@code id:} line; returns it without the field name, or null at the end. */
    String nextId() throws IOException {
        String line;
        while ((line = lines.readLine()) != null) {
            if (line.startsWith("id: ")) {
                return line.substring(4);
            }
        }
        return null;
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }
}
