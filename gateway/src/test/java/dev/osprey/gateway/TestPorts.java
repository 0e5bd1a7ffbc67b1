package dev.osprey.gateway;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;

/** Loopback ports for servers started in tests. */
public final class TestPorts {

    private TestPorts() {
    }

    /** A port free now (the OS's next ephemeral one, unlikely to be handed out again at once). */
    public static int free() {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
