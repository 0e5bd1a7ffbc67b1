package dev.osprey.model.pipeline;

import java.nio.ByteBuffer;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/** SHA-256 digests, for image ids, cache keys and the prompt-table ids of KV-cache reuse. */
public final class Sha256 {

    private Sha256() {
    }

    static String hex(byte[] bytes) {
        return hex(ByteBuffer.wrap(bytes));
    }

    static String hex(ByteBuffer bytes) {
        return HexFormat.of().formatHex(digest(bytes));
    }

    /** The digest's first 8 bytes as a big-endian long: an id that two different inputs share with odds of 2^-64. */
    public static long leading64(ByteBuffer bytes) {
        return ByteBuffer.wrap(digest(bytes)).getLong();
    }

    private static byte[] digest(ByteBuffer bytes) {
        try {
            MessageDigest sha = MessageDigest.getInstance("SHA-256");
            sha.update(bytes);
            return sha.digest();
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every Java platform provides SHA-256", e);
        }
    }

    static String hex(int[] ids) {
        ByteBuffer bytes = ByteBuffer.allocate(ids.length * Integer.BYTES);
        bytes.asIntBuffer().put(ids);
        return hex(bytes.array());
    }
}
