package dev.osprey.service;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Where a backend listens, and whether that is safe without an internal token: only loopback is (a
 * token-less backend elsewhere would serve anyone's images to anyone who reaches it).
 */
public final class InternalListeners {

    private InternalListeners() {
    }

    /**
     * Fails unless every listener is on loopback, a token is configured, or unauthenticated access was allowed.
     *
     * @param listeners the setting that names each listener's host (e.g. {@code spring.grpc.server.host}) and its value;
     *                  null or {@code *} means every interface
     */
    public static void requireProtected(boolean hasToken, boolean allowUnauthenticated, Map<String, String> listeners) {
        if (hasToken || allowUnauthenticated) {
            return;
        }
        List<String> exposed = new ArrayList<>();
        listeners.forEach((setting, host) -> {
            if (!isLoopback(host)) {
                exposed.add(setting + "=" + (host == null ? "(unset: every interface)" : host));
            }
        });
        if (!exposed.isEmpty()) {
            throw new InternalAccessException("this backend would listen beyond loopback (" + String.join(", ", exposed)
                    + ") without an internal token: anyone reaching it could read, delete and query every user's images."
                    + " Configure the token, or listen on 127.0.0.1, or (only where nothing else can reach it) set"
                    + " osprey.internal.allow-unauthenticated=true.");
        }
    }

    static boolean isLoopback(String host) {
        if (host == null || host.isBlank() || host.equals("*")) {
            return false;
        }
        String name = host.strip();
        if (name.startsWith("[") && name.endsWith("]")) {
            name = name.substring(1, name.length() - 1);
        }
        try {
            for (InetAddress address : InetAddress.getAllByName(name)) {
                if (!address.isLoopbackAddress()) {
                    return false;
                }
            }
            return true;
        } catch (UnknownHostException e) {
            return false;
        }
    }
}
