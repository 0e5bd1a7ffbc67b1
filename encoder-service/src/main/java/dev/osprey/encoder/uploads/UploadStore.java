package dev.osprey.encoder.uploads;

import dev.osprey.model.error.OspreyException;
import java.util.Optional;

/**
 * Durable storage of uploaded image bytes, keyed by image id (validated by the caller: 64 lowercase
 * hex digits, so an id never reaches outside the store). The id is the caller's (it may depend on more
 * than the bytes); the store keeps its own checksum of the bytes and checks it on every read. A write
 * is atomic: a reader sees the whole old value, the whole new one, or none. Implementations are
 * thread-safe and may be shared by several encoders.
 *
 * <p>A store that cannot be reached or written fails with {@link OspreyException} UNAVAILABLE, its
 * message starting "upload store" and naming no address or credentials (the log has the details).
 */
public interface UploadStore {

    /** Stores {@code imageBytes} under {@code imageId}, replacing what was there. */
    void put(String imageId, byte[] imageBytes);

    /**
     * The bytes stored under {@code imageId}, checked against their checksum; empty if none are.
     *
     * @throws OspreyException NOT_FOUND, asking for the image again, when the stored copy is damaged
     *                         (it is deleted, and the damage logged)
     */
    Optional<byte[]> get(String imageId);

    /**
     * Deletes the bytes stored under {@code imageId}.
     *
     * @return whether there were any
     */
    boolean delete(String imageId);

    /** Where the uploads are, for the log: never credentials. */
    String describe();
}
