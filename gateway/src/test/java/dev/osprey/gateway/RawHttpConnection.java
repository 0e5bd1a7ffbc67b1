package dev.osprey.gateway;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Locale;

/**
 * One HTTP/1.1 connection driven byte by byte, for what java.net.http cannot do: send several requests
 * before reading an answer (pipelining), or a request target exactly as given (no client normalises
 * dot segments, slashes or escapes on the way). Reads answers with a Content-Length or chunked bodies.
 */
public final class RawHttpConnection implements AutoCloseable {

    /** An answer's status code, headers (lowercase, one per line) and body. */
    public record Response(int status, String headers, String body) {

        public String rest() {
            return headers + "\n" + body;
        }
    }

    private final Socket socket;
    private final InputStream in;

    public RawHttpConnection(int port, Duration readTimeout) throws IOException {
        socket = new Socket("127.0.0.1", port);
        socket.setSoTimeout(Math.toIntExact(readTimeout.toMillis()));
        in = new BufferedInputStream(socket.getInputStream());
    }

    static String get(String path) {
        return "GET " + path + " HTTP/1.1\r\nHost: gateway\r\n\r\n";
    }

    static String post(String path, String contentType, int bodyBytes) {
        return "POST " + path + " HTTP/1.1\r\nHost: gateway\r\nContent-Type: " + contentType + "\r\nContent-Length: " + bodyBytes
                + "\r\n\r\n" + "x".repeat(bodyBytes);
    }

    /** Sends {@code requests} in one write, without waiting for any answer. */
    public void send(String... requests) throws IOException {
        send(String.join("", requests).getBytes(StandardCharsets.ISO_8859_1));
    }

    /** Sends {@code bytes} as they are, without waiting for any answer. */
    public void send(byte[] bytes) throws IOException {
        socket.getOutputStream().write(bytes);
        socket.getOutputStream().flush();
    }

    /** The next answer's status code, its body read and dropped; SocketTimeoutException when none comes in time. */
    public int readStatus() throws IOException {
        return readResponse().status();
    }

    /** The next answer; SocketTimeoutException when none comes in time. */
    public Response readResponse() throws IOException {
        String statusLine = line();
        if (!statusLine.startsWith("HTTP/1.1 ")) {
            throw new IOException("no HTTP answer, got '" + statusLine + "'");
        }
        StringBuilder headers = new StringBuilder();
        long length = 0;
        boolean chunked = false;
        for (String header = line(); !header.isEmpty(); header = line()) {
            String lower = header.toLowerCase(Locale.ROOT);
            headers.append(lower).append('\n');
            String name = lower.substring(0, lower.indexOf(':')).strip();
            String value = lower.substring(lower.indexOf(':') + 1).strip();
            if (name.equals("content-length")) {
                length = Long.parseLong(value);
            } else if (name.equals("transfer-encoding")) {
                chunked = value.equals("chunked");
            }
        }
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        if (chunked) {
            for (int chunk = Integer.parseInt(line().strip(), 16); chunk > 0; chunk = Integer.parseInt(line().strip(), 16)) {
                body.write(in.readNBytes(chunk));
                line();
            }
            line();
        } else {
            body.write(in.readNBytes(Math.toIntExact(length)));
        }
        return new Response(Integer.parseInt(statusLine.substring(9, 12)), headers.toString(), body.toString(StandardCharsets.UTF_8));
    }

    private String line() throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        for (int b = in.read(); b != '\n'; b = in.read()) {
            if (b < 0) {
                throw new EOFException("the connection closed");
            }
            if (b != '\r') {
                bytes.write(b);
            }
        }
        return bytes.toString(StandardCharsets.ISO_8859_1);
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }
}
