package dev.osprey.model.image;

import dev.osprey.model.bundle.BundleManifest;
import dev.osprey.model.error.OspreyException;
import dev.osprey.model.tensor.Tensor;
import dev.osprey.model.tensor.ops.BilinearResize;
import java.util.List;

/**
 * The reference's preprocessing (spec §1.4): an RGB image to the vision tower's {@code pixel_values},
 * float32 {@code [3, size, size]} in CHW order.
 * <ol>
 *   <li>Pillow BICUBIC resize so the short side is {@code size} and the long side
 *       {@code int(size * long / short)} (truncated; no crop), via {@link PillowResize};
 *   <li>{@code uint8 * (1/255)} in float64, cast to float32;
 *   <li>{@code (x - mean) / std} in float32, per channel;
 *   <li>PyTorch bilinear resize ({@code align_corners=False}, no antialias) to {@code size x size}: the
 *       aspect ratio is not kept, the long side is squashed.
 * </ol>
 * Step 1 follows the short side, so an image's aspect ratio sets how much it allocates: the resized
 * image's long side is limited to {@link ImageDecoder#DEFAULT_MAX_ASPECT_RATIO} times {@code size},
 * checked before anything is allocated. Worst case at that limit (20:1, size 512, a 50-megapixel
 * input of 150 MB held by the caller): the resize's first pass writes {@code 3 * 512 * sqrt(50e6 * 20)}
 * = 49 MB (the long axis scaled at the input's short side, or the short axis at its long side), the
 * second 10240x512x3 = 16 MB, the float planes 10240x512x3x4 = 63 MB and the output 3 MB: at most
 * ~130 MB besides the input, against 2.5 GB of planes alone for a 200000x250 image without the limit.
 * Immutable and thread-safe: one instance can serve concurrent requests.
 *
 * <pre>{@code
 * ImagePreprocessor preprocessor = new ImagePreprocessor(manifest.image());
 * Tensor pixelValues = preprocessor.batch(List.of(image));   // [1, 3, 512, 512]
 * }</pre>
 */
public final class ImagePreprocessor {

    /** {@code (float) (v * (1.0 / 255))} for every byte value: numpy's float64 rescale then float32 cast. */
    private static final float[] RESCALED = new float[256];

    static {
        for (int v = 0; v < 256; v++) {
            RESCALED[v] = (float) (v * (1.0 / 255));
        }
    }

    private final int size;
    private final float[] mean;
    private final float[] std;

    /** The reference's settings: 512x512, OpenAI-CLIP mean and std ({@link BundleManifest.Image#osprey()}). */
    public ImagePreprocessor() {
        this(BundleManifest.Image.osprey());
    }

    /** The settings a model bundle's manifest carries: output side and per-channel mean and std (R, G, B). */
    public ImagePreprocessor(BundleManifest.Image settings) {
        if (settings.size() < 1 || settings.mean().size() != 3 || settings.std().size() != 3) {
            throw new IllegalArgumentException("expected a positive size and 3 means and stds, got " + settings);
        }
        this.size = settings.size();
        // numpy casts the Python-float mean and std to the image's float32.
        this.mean = toFloats(settings.mean());
        this.std = toFloats(settings.std());
    }

    /** The output side, 512 for Osprey. */
    public int size() {
        return size;
    }

    /**
     * One image's {@code pixel_values}: {@code 3 * size * size} floats, channel-major (R, G, B planes).
     *
     * @throws OspreyException BAD_INPUT naming the sizes when the resized image would pass the limit
     */
    public float[] pixelValues(RgbImage image) {
        int[] resized = shortestEdgeSize(image.width(), image.height(), size);
        long longSide = Math.max(resized[0], resized[1]);
        long limit = (long) size * ImageDecoder.DEFAULT_MAX_ASPECT_RATIO;
        if (longSide > limit) {
            throw OspreyException.badInput("image is " + image.width() + "x" + image.height() + ": resized for the vision tower its"
                    + " long side would be " + longSide + " pixels, the limit is " + limit + " (an aspect ratio of "
                    + ImageDecoder.DEFAULT_MAX_ASPECT_RATIO + ":1)");
        }
        RgbImage scaled = PillowResize.resize(image, resized[0], resized[1]);
        int plane = scaled.width() * scaled.height();
        byte[] rgb = scaled.rgb();
        float[] chw = new float[3 * plane];
        for (int c = 0; c < 3; c++) {
            float m = mean[c];
            float s = std[c];
            for (int p = 0, o = c * plane; p < plane; p++, o++) {
                chw[o] = (RESCALED[rgb[3 * p + c] & 0xFF] - m) / s;
            }
        }
        return BilinearResize.resize(chw, 3, scaled.height(), scaled.width(), size, size);
    }

    /** The vision tower's input for a batch: float32 {@code pixel_values [N, 3, size, size]}, images in order. */
    public Tensor batch(List<RgbImage> images) {
        int per = 3 * size * size;
        float[] all = new float[Math.multiplyExact(images.size(), per)];
        for (int i = 0; i < images.size(); i++) {
            System.arraycopy(pixelValues(images.get(i)), 0, all, i * per, per);
        }
        return Tensor.ofFloats("pixel_values", new long[] {images.size(), 3, size, size}, all);
    }

    /**
     * {@code {width, height}} with the short side {@code target} and the long side
     * {@code int(target * long / short)} (transformers' {@code get_resize_output_image_size}).
     */
    static int[] shortestEdgeSize(int width, int height, int target) {
        // Saturates at Integer.MAX_VALUE for absurd ratios, which the caller's limit refuses.
        if (width <= height) {
            return new int[] {target, (int) ((double) target * height / width)};
        }
        return new int[] {(int) ((double) target * width / height), target};
    }

    private static float[] toFloats(List<Double> values) {
        float[] out = new float[values.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = values.get(i).floatValue();
        }
        return out;
    }
}
