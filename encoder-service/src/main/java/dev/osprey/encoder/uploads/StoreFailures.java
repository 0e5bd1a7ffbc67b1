package dev.osprey.encoder.uploads;

import dev.osprey.model.error.OspreyException;
import dev.osprey.model.error.Reason;

/** The errors every store gives for the same situations, in the same words. */
final class StoreFailures {

    private StoreFailures() {
    }

    /** The store failed to {@code action} (e.g. "store") image {@code imageId}; {@code why} names no address or secret. */
    static OspreyException unavailable(String action, String imageId, String why, Throwable cause) {
        return new OspreyException(Reason.UNAVAILABLE, "upload store unavailable: could not " + action + " image " + imageId + " ("
                + why + "); try again later", cause);
    }

    /** The stored copy of {@code imageId} failed its checksum. */
    static OspreyException damaged(String imageId) {
        return new OspreyException(Reason.NOT_FOUND, "the stored copy of image " + imageId
                + " was damaged and has been removed: upload the image again");
    }
}
