package dev.osprey.model.sam;

import dev.osprey.model.mask.BinaryMask;
import dev.osprey.model.tensor.ops.BilinearResize;

/**
 * {@code Sam.postprocess_masks}: low-resolution logits → bilinear to the padded input size → crop to
 * the resized image → bilinear to the original size; a pixel is inside where its logit is above 0.
 *
 * <p>In Java rather than in the decoder graph: the reference's resize computes each source coordinate
 * with one float32 fused multiply-add ({@link BilinearResize}), which ONNX Runtime's Resize does not
 * (it divides by the scale), and that ulp moves logits near 0 across the threshold; Java also skips
 * the cropped-away three quarters of the padded upscale and keeps per-image sizes out of the graph.
 */
public final class SamMasks {

    /** {@code mask_threshold} of the reference. */
    public static final float THRESHOLD = 0.0f;

    private SamMasks() {
    }

    /** Mask {@code k}'s logits at the original image size [H, W] (before thresholding). */
    public static float[] originalLogits(SamPrediction p, int k, SamEmbedding e) {
        int side = p.side();
        // ResizeLongestSide makes the long side exactly the padded input's side
        int padded = Math.max(e.inputHeight(), e.inputWidth());
        return BilinearResize.resizeCornerThenResize(p.lowResLogits(k), side, side, padded, padded, e.inputHeight(), e.inputWidth(),
                e.originalHeight(), e.originalWidth());
    }

    /** Mask {@code k} at the original image size: logit &gt; 0. */
    public static BinaryMask mask(SamPrediction p, int k, SamEmbedding e) {
        return threshold(originalLogits(p, k, e), e.originalHeight(), e.originalWidth());
    }

    /** {@code logits > 0} as a mask of {@code height x width}. */
    public static BinaryMask threshold(float[] logits, int height, int width) {
        byte[] pixels = new byte[logits.length];
        for (int i = 0; i < logits.length; i++) {
            pixels[i] = (byte) (logits[i] > THRESHOLD ? 1 : 0);
        }
        return new BinaryMask(height, width, pixels);
    }
}
