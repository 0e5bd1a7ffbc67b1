package dev.osprey.model.checkpoint;

/**
 * Widths and depths of an Osprey checkpoint. The geometry that the model's data flow fixes (512x512
 * input, 1024 image tokens from res4, a 112x112 position mask) is the same for every preset; only
 * widths and depths differ.
 *
 * @param hidden        LLM hidden size (also the image-token and region-token width)
 * @param layers        LLM decoder layers
 * @param heads         attention heads
 * @param kvHeads       key/value heads (fewer than heads for grouped-query attention)
 * @param intermediate  LLM MLP width
 * @param vocab         vocabulary size (embedding rows)
 * @param visionDepths  ConvNeXt blocks per stage
 * @param visionDims    ConvNeXt channels per stage (res2..res5)
 * @param clipEmbed     the CLIP embedding width of the (unused) pooling head
 * @param extractorDim  the MaskExtractor's per-level width
 * @param maskShape     side of the position-token mask
 * @param shard1Layers  decoder layers stored in the first shard (with the embedding table)
 */
public record CheckpointGeometry(int hidden, int layers, int heads, int kvHeads, int intermediate, int vocab,
        int[] visionDepths, int[] visionDims, int clipEmbed, int extractorDim, int maskShape, int shard1Layers) {

    /** The tiny test geometry of the golden checkpoint. */
    public static final CheckpointGeometry TINY = new CheckpointGeometry(64, 2, 4, 4, 172, 32000,
            new int[] {1, 1, 2, 1}, new int[] {8, 16, 32, 64}, 32, 32, 112, 1);

    /** The real Osprey-7B shapes (Vicuna-7B, ConvNeXt-Large), for benchmarks. */
    public static final CheckpointGeometry OSPREY_7B = new CheckpointGeometry(4096, 32, 32, 32, 11008, 32000,
            new int[] {3, 3, 27, 3}, new int[] {192, 384, 768, 1536}, 768, 1024, 112, 24);

    /**
     * The Osprey-7B widths with one decoder layer: the real vision tower, projector and extractor in
     * a 1.4 GB checkpoint instead of 14 GB, for benchmarks of the vision stage.
     */
    public static final CheckpointGeometry OSPREY_7B_VISION = new CheckpointGeometry(4096, 1, 32, 32, 11008, 32000,
            new int[] {3, 3, 27, 3}, new int[] {192, 384, 768, 1536}, 768, 1024, 112, 1);

    public int headDim() {
        return hidden / heads;
    }

    /** The projector's input width: res4's channels. */
    public int mmHidden() {
        return visionDims[2];
    }
}
