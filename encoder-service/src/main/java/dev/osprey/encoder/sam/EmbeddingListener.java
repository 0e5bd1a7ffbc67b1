package dev.osprey.encoder.sam;

/** Told about every SAM image embedding computed (metrics). */
@FunctionalInterface
public interface EmbeddingListener {

    /**
     * @param nanos  time the image encoder took
     * @param failed whether it failed
     */
    void embedded(long nanos, boolean failed);
}
