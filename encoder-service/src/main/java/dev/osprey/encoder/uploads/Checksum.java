package dev.osprey.encoder.uploads;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;

/** The checksum a store keeps beside each upload: SHA-256 of the bytes, whatever the image id is made of. */
final class Checksum {

    static final int BYTES = 32;

    private Checksum() {
    }

    static byte[] of(byte[] bytes, int offset, int length) {
        try {
            MessageDigest sha = MessageDigest.getInstance("SHA-256");
            sha.update(bytes, offset, length);
            return sha.digest();
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every Java platform provides SHA-256", e);
        }
    }

    static byte[] of(byte[] bytes) {
        return of(bytes, 0, bytes.length);
    }
}
