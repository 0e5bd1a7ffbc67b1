package dev.osprey.gateway.access;

import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.Map;

/**
 * HTTP/1.1 requests written byte for byte, so a request target reaches the server exactly as given
 * (no client normalises dot segments, slashes or escapes on the way). The connection stays open until
 * the response is read: a server that closes on a request body it did not read may reset it.
 */
final class RawHttp {

    /** A response's status code, headers (lowercase names) and body. */
    record Response(int status, String headers, String body) {

        String rest() {
            return headers + "\n" + body;
        }
    }

    private RawHttp() {
    }

    static Response send(int port, String method, String target, Map<String, String> headers, byte[] body) throws IOException {
        try {
            return exchange(port, method, target, headers, body);
        } catch (IOException e) {
            throw new IOException(method + " " + target + ": " + e.getMessage(), e);
        }
    }

    private static Response exchange(int port, String method, String target, Map<String, String> headers, byte[] body) throws IOException {
        try (Socket socket = new Socket("127.0.0.1", port)) {
            socket.setSoTimeout(60_000);
            StringBuilder head = new StringBuilder(method + " " + target + " HTTP/1.1\r\nHost: 127.0.0.1:" + port + "\r\n");
            headers.forEach((name, value) -> head.append(name).append(": ").append(value).append("\r\n"));
            head.append("Content-Length: ").append(body.length).append("\r\n\r\n");
            OutputStream out = socket.getOutputStream();
            out.write(head.toString().getBytes(StandardCharsets.ISO_8859_1));
            out.write(body);
            out.flush();
            DataInputStream in = new DataInputStream(socket.getInputStream());
            String status = line(in);
            if (!status.startsWith("HTTP/1.1 ")) {
                throw new IOException("no HTTP response, got '" + status + "'");
            }
            StringBuilder responseHeaders = new StringBuilder();
            long length = 0;
            boolean chunked = false;
            for (String line = line(in); !line.isEmpty(); line = line(in)) {
                String lower = line.toLowerCase(Locale.ROOT);
                responseHeaders.append(lower).append('\n');
                if (lower.startsWith("content-length:")) {
                    length = Long.parseLong(lower.substring(15).strip());
                }
                chunked |= lower.startsWith("transfer-encoding:") && lower.contains("chunked");
            }
            ByteArrayOutputStream content = new ByteArrayOutputStream();
            if (chunked) {
                for (int size = Integer.parseInt(line(in).strip(), 16); size > 0; size = Integer.parseInt(line(in).strip(), 16)) {
                    content.write(in.readNBytes(size));
                    line(in);
                }
            } else {
                content.write(in.readNBytes(Math.toIntExact(length)));
            }
            return new Response(Integer.parseInt(status.substring(9, 12)), responseHeaders.toString(), content.toString(StandardCharsets.UTF_8));
        }
    }

    private static String line(InputStream in) throws IOException {
        ByteArrayOutputStream line = new ByteArrayOutputStream();
        for (int b = in.read(); b != '\n'; b = in.read()) {
            if (b < 0) {
                throw new IOException("the connection closed mid-response");
            }
            if (b != '\r') {
                line.write(b);
            }
        }
        return line.toString(StandardCharsets.ISO_8859_1);
    }
}
