package dev.osprey.encoder.vision;

/** Told about every batch the {@link MicroBatcher} runs (metrics). */
@FunctionalInterface
public interface BatchListener {

    /** Does nothing. */
    BatchListener NONE = (images, nanos, failed) -> { };

    /**
     * @param images images in the batch
     * @param nanos  time the backend took for it
     * @param failed whether the backend failed
     */
    void batchRan(int images, long nanos, boolean failed);
}
