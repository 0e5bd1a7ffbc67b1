package dev.osprey.model.pipeline;

import java.nio.ByteBuffer;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/** Lowercase hex SHA-256 digests, for image ids and cache keys. */
final class Sha256 {

    private Sha256() {
    }

    static String hex(byte[] bytes) {
        return hex(ByteBuffer.wrap(bytes));
    }

    static String hex(ByteBuffer bytes) {
        try {
            MessageDigest sha = MessageDigest.getInstance("SHA-256");
            sha.update(bytes);
            return HexFormat.of().formatHex(sha.digest());
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
