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
 * before reading an answer (pipelining). Reads answers with a Content-Length or chunked bodies.
 */
final class RawHttpConnection implements AutoCloseable {

    private final Socket socket;
    private final InputStream in;

    RawHttpConnection(int port, Duration readTimeout) throws IOException {
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
    void send(String... requests) throws IOException {
        socket.getOutputStream().write(String.join("", requests).getBytes(StandardCharsets.US_ASCII));
        socket.getOutputStream().flush();
    }

    /** The next answer's status code, its body read and dropped; SocketTimeoutException when none comes in time. */
    int readStatus() throws IOException {
        String statusLine = line();
        long length = 0;
        boolean chunked = false;
        for (String header = line(); !header.isEmpty(); header = line()) {
            String name = header.substring(0, header.indexOf(':')).strip().toLowerCase(Locale.ROOT);
            String value = header.substring(header.indexOf(':') + 1).strip();
            if (name.equals("content-length")) {
                length = Long.parseLong(value);
            } else if (name.equals("transfer-encoding")) {
                chunked = value.equalsIgnoreCase("chunked");
            }
        }
        if (chunked) {
            for (long chunk = Long.parseLong(line().strip(), 16); chunk > 0; chunk = Long.parseLong(line().strip(), 16)) {
                in.skipNBytes(chunk);
                line();
            }
            line();
        } else {
            in.skipNBytes(length);
        }
        return Integer.parseInt(statusLine.split(" ")[1]);
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
        return bytes.toString(StandardCharsets.US_ASCII);
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }
}
