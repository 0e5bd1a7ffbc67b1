package dev.osprey.gateway.access;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The API keys clients must present ({@code Authorization: Bearer KEY} or {@code X-API-Key: KEY},
 * the same as gRPC metadata), each with its {@link Tenant}. An entry {@code name=KEY} names the tenant;
 * any other entry is a key whose tenant is named after a hash of it (never the key itself), trailing
 * {@code =} padding included. No configured key means the API is open (local use).
 */
public final class ApiKeys {

    private static final Pattern NAMED = Pattern.compile("([A-Za-z0-9._-]{1,64})=(.*[^=].*)");

    private record Key(byte[] bytes, Tenant tenant) {
    }

    private final List<Key> keys = new ArrayList<>();

    /** @throws IllegalArgumentException when one key is given for two tenants */
    public ApiKeys(List<String> entries) {
        for (String entry : entries) {
            String stripped = entry.strip();
            if (stripped.isEmpty()) {
                continue;
            }
            Matcher named = NAMED.matcher(stripped);
            String key = named.matches() ? named.group(2).strip() : stripped;
            // A derived name has a ':', which names in entries cannot: it is never taken for a named tenant.
            Tenant tenant = new Tenant(named.matches() ? named.group(1) : "key:" + sha256(key).substring(0, 32));
            byte[] bytes = key.getBytes(StandardCharsets.UTF_8);
            for (Key known : keys) {
                if (MessageDigest.isEqual(known.bytes, bytes) && !known.tenant.equals(tenant)) {
                    throw new IllegalArgumentException("osprey.gateway.api-keys: one key is given for two tenants ('"
                            + known.tenant.name() + "' and '" + tenant.name() + "')");
                }
            }
            keys.add(new Key(bytes, tenant));
        }
    }

    public boolean required() {
        return !keys.isEmpty();
    }

    /** The tenant of the key in an Authorization or X-API-Key value, if it is one of ours; null otherwise. */
    public Tenant authenticate(String authorization, String apiKey) {
        String presented = apiKey != null ? apiKey.strip()
                : authorization != null && authorization.regionMatches(true, 0, "Bearer ", 0, 7) ? authorization.substring(7).strip() : null;
        if (presented == null) {
            return null;
        }
        byte[] bytes = presented.getBytes(StandardCharsets.UTF_8);
        Tenant found = null;
        for (Key key : keys) {
            // Compare with every key in constant time: response timing must not reveal how much of a key was right.
            if (MessageDigest.isEqual(key.bytes, bytes)) {
                found = key.tenant;
            }
        }
        return found;
    }

    private static String sha256(String text) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every Java platform provides SHA-256", e);
        }
    }
}
