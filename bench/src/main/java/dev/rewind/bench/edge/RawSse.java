package dev.rewind.bench.edge;

import java.io.BufferedInputStream;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.Socket;
import java.nio.charset.StandardCharsets;

/**
 * A minimal SSE client on a blocking socket: one request, then line by line. Hand-written so that a
 * load client holds thousands of streams with one small buffer each (the JDK HttpClient keeps far
 * more per connection). Public for the load generator (dev.rewind.bench.load), which reads the same way.
 */
public final class RawSse implements AutoCloseable {

    private final Socket socket;
    private final BufferedReader lines;
    public final int status;

    public RawSse(int port, String path, String token, String lastEventId) throws IOException {
        socket = new Socket("127.0.0.1", port);
        socket.setTcpNoDelay(true);
        StringBuilder request = new StringBuilder("GET ").append(path).append(" HTTP/1.1\r\nHost: 127.0.0.1\r\n")
                .append("Authorization: Bearer ").append(token).append("\r\nAccept: text/event-stream\r\n");
        if (lastEventId != null) {
            request.append("Last-Event-ID: ").append(lastEventId).append("\r\n");
        }
        socket.getOutputStream().write(request.append("\r\n").toString().getBytes(StandardCharsets.US_ASCII));
        InputStream in = new BufferedInputStream(socket.getInputStream(), 1024);
        String statusLine = asciiLine(in);
        status = statusLine == null ? -1 : Integer.parseInt(statusLine.split(" ")[1]);
        boolean chunked = false;
        String line;
        while ((line = asciiLine(in)) != null && !line.isEmpty()) {
            chunked |= line.toLowerCase(java.util.Locale.ROOT).startsWith("transfer-encoding:") && line.toLowerCase().contains("chunked");
        }
        lines = new BufferedReader(new InputStreamReader(chunked ? new Dechunked(in) : in, StandardCharsets.UTF_8), 1024);
    }

    /** One CRLF-terminated line of ASCII (status line, headers, chunk sizes), or null at the end. */
    private static String asciiLine(InputStream in) throws IOException {
        StringBuilder line = new StringBuilder();
        int b;
        while ((b = in.read()) != -1) {
            if (b == '\n') {
                int end = line.length();
                return end > 0 && line.charAt(end - 1) == '\r' ? line.substring(0, end - 1) : line.toString();
            }
            line.append((char) b);
        }
        return line.isEmpty() ? null : line.toString();
    }

    /** The body of a chunked response: chunk framing removed, so SSE lines split across chunks come out whole. */
    private static final class Dechunked extends InputStream {
        private final InputStream in;
        private long left;
        private boolean done;

        Dechunked(InputStream in) {
            this.in = in;
        }

        @Override
        public int read() throws IOException {
            byte[] one = new byte[1];
            return read(one, 0, 1) == -1 ? -1 : one[0] & 0xff;
        }

        @Override
        public int read(byte[] buffer, int offset, int length) throws IOException {
            if (done) {
                return -1;
            }
            if (left == 0) {
                String size = asciiLine(in);
                while (size != null && size.isEmpty()) {
                    size = asciiLine(in);
                }
                if (size == null) {
                    done = true;
                    return -1;
                }
                int semicolon = size.indexOf(';');
                left = Long.parseLong((semicolon < 0 ? size : size.substring(0, semicolon)).strip(), 16);
                if (left == 0) {
                    done = true;
                    return -1;
                }
            }
            int n = in.read(buffer, offset, (int) Math.min(length, left));
            if (n == -1) {
                done = true;
                return -1;
            }
            left -= n;
            return n;
        }
    }

    /** The next line of the body, or null at the end. */
    public String readLine() throws IOException {
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
