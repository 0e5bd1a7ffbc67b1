package dev.osprey.gateway.access;

import dev.osprey.gateway.RawHttpConnection;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;

/**
 * One request written byte for byte on a connection of its own, so its target reaches the server
 * exactly as given. The connection stays open until the answer is read: a server that closes on a
 * request body it did not read may reset it.
 */
final class RawHttp {

    private RawHttp() {
    }

    static RawHttpConnection.Response send(int port, String method, String target, Map<String, String> headers, byte[] body)
            throws IOException {
        StringBuilder head = new StringBuilder(method + " " + target + " HTTP/1.1\r\nHost: 127.0.0.1:" + port + "\r\n");
        headers.forEach((name, value) -> head.append(name).append(": ").append(value).append("\r\n"));
        head.append("Content-Length: ").append(body.length).append("\r\n\r\n");
        ByteArrayOutputStream request = new ByteArrayOutputStream();
        request.writeBytes(head.toString().getBytes(StandardCharsets.ISO_8859_1));
        request.writeBytes(body);
        try (RawHttpConnection connection = new RawHttpConnection(port, Duration.ofSeconds(60))) {
            connection.send(request.toByteArray());
            return connection.readResponse();
        } catch (IOException e) {
            throw new IOException(method + " " + target + ": " + e.getMessage(), e);
        }
    }
}
