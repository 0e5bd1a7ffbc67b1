package dev.osprey.model.sam;

import dev.osprey.model.image.PillowResize;
import dev.osprey.model.image.RgbImage;

/**
 * SAM's image preprocessing, exactly as {@code SamPredictor.set_image} and {@code Sam.preprocess}:
 * ResizeLongestSide to the input size with Pillow's bilinear filter (uint8 in, uint8 out), then
 * {@code (x - mean) / std} in float32, channels first, then zero padding at the bottom and right.
 * Stateless and thread-safe.
 */
public final class SamPreprocessor {

    private final int side;
    private final float[] mean;
    private final float[] std;

    public SamPreprocessor(SamConfig config) {
        this.side = config.imageSize();
        this.mean = floats(config.pixelMean().stream().mapToDouble(Double::doubleValue).toArray());
        this.std = floats(config.pixelStd().stream().mapToDouble(Double::doubleValue).toArray());
    }

    /**
     * {@code ResizeLongestSide.get_preprocess_shape}: {@code [h, w]} with the long side {@code longSide},
     * rounded half up in double precision as the reference does.
     */
    public static int[] targetSize(int height, int width, int longSide) {
        double scale = longSide * 1.0 / Math.max(height, width);
        return new int[] {(int) (height * scale + 0.5), (int) (width * scale + 0.5)};
    }

    /** Resizes, normalises and pads one image. */
    public SamInput prepare(RgbImage image) {
        int[] size = targetSize(image.height(), image.width(), side);
        RgbImage resized = PillowResize.resize(image, size[1], size[0], PillowResize.Filter.BILINEAR);
        return new SamInput(resized, normalisedPadded(resized), image.height(), image.width());
    }

    /** The image as [3, side, side] float32: normalised where it lies, zeros (in normalised space) elsewhere. */
    float[] normalisedPadded(RgbImage image) {
        float[] out = new float[3 * side * side];
        byte[] rgb = image.rgb();
        for (int c = 0; c < 3; c++) {
            int plane = c * side * side;
            for (int y = 0; y < image.height(); y++) {
                int src = y * image.width() * 3 + c;
                int dst = plane + y * side;
                for (int x = 0; x < image.width(); x++, src += 3) {
                    // float32 subtraction then float32 division, as torch does on the uint8 -> float tensor
                    out[dst + x] = ((rgb[src] & 0xFF) - mean[c]) / std[c];
                }
            }
        }
        return out;
    }

    private static float[] floats(double[] values) {
        float[] out = new float[values.length];
        for (int i = 0; i < values.length; i++) {
            out[i] = (float) values[i];
        }
        return out;
    }
}
