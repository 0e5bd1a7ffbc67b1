package dev.osprey.model.sam;

import java.util.List;
import java.util.Locale;

/** The official checkpoints' geometries ({@code build_sam.py}): what their shapes do not tell. */
enum SamVariant {
    VIT_B("vit_b", 768, 12, List.of(2, 5, 8, 11)),
    VIT_L("vit_l", 1024, 24, List.of(5, 11, 17, 23)),
    VIT_H("vit_h", 1280, 32, List.of(7, 15, 23, 31));

    /** Every official variant: prompt width 256, decoder transformer with 8 heads. */
    private static final int CHANNELS = 256;
    private static final int DECODER_HEADS = 8;
    private static final int ENCODER_HEAD_DIM = 64;

    private final String label;
    private final int encoderDim;
    private final int encoderDepth;
    private final List<Integer> globalAttnIndexes;

    SamVariant(String label, int encoderDim, int encoderDepth, List<Integer> globalAttnIndexes) {
        this.label = label;
        this.encoderDim = encoderDim;
        this.encoderDepth = encoderDepth;
        this.globalAttnIndexes = globalAttnIndexes;
    }

    String label() {
        return label;
    }

    int decoderHeads() {
        return DECODER_HEADS;
    }

    /** The full geometry of this variant ({@code build_sam.py}: 1024 input, 16 patches, window 14, decoder 2 x 8 heads x 2048). */
    SamConfig config() {
        return new SamConfig(label, 1024, 16, encoderDim, encoderDepth, encoderDim / ENCODER_HEAD_DIM, 4 * encoderDim, globalAttnIndexes, 14,
                CHANNELS, 16, 2, DECODER_HEADS, 2048, 2, 3, CHANNELS, 3, SamConfig.PIXEL_MEAN, SamConfig.PIXEL_STD, SamConfig.ENCODER_EPS,
                SamConfig.DECODER_EPS);
    }

    /** The variant a file name such as {@code sam_vit_b_01ec64.pth} names, or null. */
    static SamVariant named(String fileName) {
        if (fileName == null) {
            return null;
        }
        String lower = fileName.toLowerCase(Locale.ROOT);
        for (SamVariant v : values()) {
            if (lower.contains(v.label)) {
                return v;
            }
        }
        return null;
    }

    /** The variant whose geometry the shapes have, or null for another geometry. */
    static SamVariant matching(SamShapes shapes) {
        for (SamVariant v : values()) {
            if (shapes.encoderDim() == v.encoderDim && shapes.encoderDepth() == v.encoderDepth && shapes.channels() == CHANNELS
                    && shapes.globalAttnIndexes().equals(v.globalAttnIndexes)) {
                return v;
            }
        }
        return null;
    }
}
