package dev.osprey.gateway.access;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.List;

/**
 * The API keys clients must present ({@code Authorization: Bearer KEY} or {@code X-API-Key: KEY},
 * the same as gRPC metadata). No configured key means the API is open (local use).
 */
public final class ApiKeys {

    private final List<byte[]> keys;

    public ApiKeys(List<String> keys) {
        this.keys = keys.stream().map(String::strip).filter(k -> !k.isEmpty()).map(k -> k.getBytes(StandardCharsets.UTF_8)).toList();
    }

    public boolean required() {
        return !keys.isEmpty();
    }

    /** The key in an Authorization or X-API-Key value, if it is one of ours; null otherwise. */
    public String authenticate(String authorization, String apiKey) {
        String presented = apiKey != null ? apiKey.strip()
                : authorization != null && authorization.regionMatches(true, 0, "Bearer ", 0, 7) ? authorization.substring(7).strip() : null;
        if (presented == null) {
            return null;
        }
        byte[] bytes = presented.getBytes(StandardCharsets.UTF_8);
        boolean known = false;
        for (byte[] key : keys) {
            // Constant-time comparison: response timing must not reveal how much of a key was right.
            known |= MessageDigest.isEqual(key, bytes);
        }
        return known ? presented : null;
    }
}
