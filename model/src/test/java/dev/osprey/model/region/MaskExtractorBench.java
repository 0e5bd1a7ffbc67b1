package dev.osprey.model.region;

import dev.osprey.model.mask.BinaryMask;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;

/**
 * A benchmark, not a test: the extractor at Osprey-7B widths with random weights, one thread.
 * Run after {@code test-compile}:
 * {@code java -Xmx3g -cp model/target/classes:model/target/test-classes dev.osprey.model.region.MaskExtractorBench [H W]}.
 * Prints the median and the fastest of many calls for Q = 1 and Q = 16 elliptical regions
 * (each about 4 % of the image, as objects in Osprey's region questions typically are) and for
 * Q = 1 covering the whole image.
 */
public final class MaskExtractorBench {

    private static final int[] CHANNELS = {192, 384, 768, 1536};
    private static final int[] SIDES = {128, 64, 32, 16};
    private static final int LEVEL_WIDTH = 1024;
    private static final int HIDDEN = 4096;
    private static final int MASK_SIDE = 112;

    private MaskExtractorBench() {
    }

    public static void main(String[] args) {
        int height = args.length > 0 ? Integer.parseInt(args[0]) : 480;
        int width = args.length > 1 ? Integer.parseInt(args[1]) : 640;
        Random random = new Random(1);
        MaskExtractor extractor = new MaskExtractor(randomWeights(random));
        FeatureMaps features = randomFeatures(random);
        System.out.printf("MaskExtractor, Osprey-7B widths, random weights, %dx%d masks, one thread (%s)%n",
                width, height, Runtime.version());
        report(extractor, features, "Q=1, ellipse", ellipses(random, 1, height, width));
        report(extractor, features, "Q=16, ellipses", ellipses(random, 16, height, width));
        report(extractor, features, "Q=1, whole image", List.of(full(height, width)));
        report(extractor, features, "Q=16, whole image", java.util.Collections.nCopies(16, full(height, width)));
    }

    private static void report(MaskExtractor extractor, FeatureMaps features, String label, List<BinaryMask> masks) {
        int warmup = 150;
        int runs = 100;
        for (int i = 0; i < warmup; i++) {
            extractor.extract(features, masks);
        }
        double[] ms = new double[runs];
        for (int i = 0; i < runs; i++) {
            long t0 = System.nanoTime();
            extractor.extract(features, masks);
            ms[i] = (System.nanoTime() - t0) / 1e6;
        }
        Arrays.sort(ms);
        long area = masks.stream().mapToLong(BinaryMask::area).sum() / masks.size();
        System.out.printf("%-18s mean area %5.1f %%   median %6.2f ms   fastest %6.2f ms%n",
                label, 100.0 * area / (masks.getFirst().height() * (double) masks.getFirst().width()), ms[runs / 2], ms[0]);
    }

    private static MaskExtractorWeights randomWeights(Random random) {
        List<Linear> levels = new ArrayList<>();
        for (int c : CHANNELS) {
            levels.add(linear(random, c, LEVEL_WIDTH));
        }
        List<Linear> mlp = List.of(linear(random, MASK_SIDE * MASK_SIDE, LEVEL_WIDTH), linear(random, LEVEL_WIDTH, LEVEL_WIDTH),
                linear(random, LEVEL_WIDTH, HIDDEN));
        return new MaskExtractorWeights(levels, linear(random, LEVEL_WIDTH, HIDDEN), mlp, MASK_SIDE);
    }

    private static Linear linear(Random random, int in, int out) {
        float[][] weightT = new float[in][];
        for (int i = 0; i < in; i++) {
            weightT[i] = gaussian(random, out, (float) (1 / Math.sqrt(in)));
        }
        return new Linear(weightT, gaussian(random, out, 0.02f));
    }

    private static FeatureMaps randomFeatures(Random random) {
        List<FeatureMap> maps = new ArrayList<>();
        for (int k = 0; k < CHANNELS.length; k++) {
            maps.add(new FeatureMap(gaussian(random, CHANNELS[k] * SIDES[k] * SIDES[k], 1f), CHANNELS[k], SIDES[k], SIDES[k]));
        }
        return new FeatureMaps(maps);
    }

    private static List<BinaryMask> ellipses(Random random, int count, int height, int width) {
        List<BinaryMask> masks = new ArrayList<>();
        for (int q = 0; q < count; q++) {
            double cy = height * (0.2 + 0.6 * random.nextDouble());
            double cx = width * (0.2 + 0.6 * random.nextDouble());
            double ry = height * (0.08 + 0.08 * random.nextDouble());
            double rx = width * (0.08 + 0.08 * random.nextDouble());
            byte[] pixels = new byte[height * width];
            for (int y = 0; y < height; y++) {
                for (int x = 0; x < width; x++) {
                    double dy = (y - cy) / ry;
                    double dx = (x - cx) / rx;
                    pixels[y * width + x] = (byte) (dx * dx + dy * dy <= 1 ? 1 : 0);
                }
            }
            masks.add(new BinaryMask(height, width, pixels));
        }
        return masks;
    }

    private static BinaryMask full(int height, int width) {
        byte[] pixels = new byte[height * width];
        Arrays.fill(pixels, (byte) 1);
        return new BinaryMask(height, width, pixels);
    }

    private static float[] gaussian(Random random, int n, float scale) {
        float[] v = new float[n];
        for (int i = 0; i < n; i++) {
            v[i] = (float) random.nextGaussian() * scale;
        }
        return v;
    }
}
