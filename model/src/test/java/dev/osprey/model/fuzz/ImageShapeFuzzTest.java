package dev.osprey.model.fuzz;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.osprey.model.error.OspreyException;
import dev.osprey.model.error.Reason;
import dev.osprey.model.image.ImageDecoder;
import dev.osprey.model.image.ImagePreprocessor;
import java.time.Duration;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * Extreme image shapes (1xN, Nx1, huge widths over tiny heights, at and around the aspect-ratio and
 * pixel limits), as real PNGs and JPEGs or as headers claiming them, through decoding and
 * preprocessing as the encoder runs them: each gives the vision tower's input or BAD_INPUT, within a
 * bound on what it allocates. Preprocessing scales the short side to 512, so before the aspect-ratio
 * limit a 146 KB PNG of 200000x250 asked for gigabytes.
 */
class ImageShapeFuzzTest {

    /**
     * The preprocessor's worst case at the 20:1 limit (~82 MB for a 1x20 image, ~130 MB besides the
     * input for a large one; see {@link ImagePreprocessor}) plus decoding the small images made here.
     */
    private static final long MAX_ALLOCATED = 192L << 20;
    /** Accepted shapes get real pixels only up to this many, which keeps decoding cheap. */
    private static final long MAX_DECODED_PIXELS = 1 << 18;
    private static final int[] SIDES = {1, 2, 3, 19, 20, 21, 25, 26, 50, 250, 511, 512, 513, 1000, 1024, 5000, 10240, 10241, 65535,
        200_000, 1_000_000, 50_000_000};
    private static final int PIXEL_VALUES = 3 * 512 * 512;

    private final ImageDecoder decoder = new ImageDecoder();
    private final ImagePreprocessor preprocessor = new ImagePreprocessor();

    @Test
    void theReportedShapesAreRefusedFromTheHeaderNamingTheSizeAndTheLimit() {
        String[][] cases = {{"200000", "250", "800"}, {"50000000", "1", "50000000"}, {"1000000", "50", "20000"}, {"250", "200000", "800"},
            {"1001", "50", "20.1"}};
        for (String[] c : cases) {
            int width = Integer.parseInt(c[0]);
            int height = Integer.parseInt(c[1]);
            byte[] png = ShapedImages.png(width, height, false, null);
            assertThatThrownBy(() -> AllocationBound.of(8L << 20, () -> preprocessor.pixelValues(decoder.decode(png))))
                    .isInstanceOfSatisfying(OspreyException.class, e -> {
                        assertThat(e.reason()).isEqualTo(Reason.BAD_INPUT);
                        assertThat(e.getMessage()).isEqualTo("image is " + width + "x" + height + ", an aspect ratio of " + c[2]
                                + ":1; the limit is 20:1 (crop the image)");
                    });
        }
        byte[] jpeg = ShapedImages.jpegClaimingSize(ShapedImages.jpeg(16, 16, new Random(1)), 65535, 16);
        assertThatThrownBy(() -> decoder.decode(jpeg)).hasMessage("image is 65535x16, an aspect ratio of 4096:1; the limit is 20:1 (crop the image)");
    }

    @Test
    void shapesAtTheLimitArePreprocessedAndJustPastItRefused() {
        Random random = new Random(7);
        for (int[] shape : new int[][] {{1, 20}, {20, 1}, {1000, 50}, {50, 1000}}) {
            for (byte[] image : new byte[][] {ShapedImages.png(shape[0], shape[1], true, random), ShapedImages.jpeg(shape[0], shape[1], random)}) {
                float[] pixels = AllocationBound.of(MAX_ALLOCATED, () -> preprocessor.pixelValues(decoder.decode(image)));
                assertThat(pixels).hasSize(PIXEL_VALUES);
            }
        }
        for (int[] shape : new int[][] {{1, 21}, {21, 1}, {1050, 50}}) {
            byte[] png = ShapedImages.png(shape[0], shape[1], true, random);
            assertThatThrownBy(() -> decoder.decode(png)).hasMessageContaining("the limit is 20:1");
        }
    }

    @Test
    void extremeShapesGiveTheTowerInputOrBadInputWithinBoundedMemory() {
        FuzzRun run = new FuzzRun("extreme image shapes", 0x5A4E_0001L, Reason.BAD_INPUT, Duration.ofSeconds(60));
        byte[] smallPng = ShapedImages.png(3, 2, true, new Random(2));
        byte[] smallJpeg = ShapedImages.jpeg(16, 16, new Random(3));
        for (int i = 0; i < 150; i++) {
            Random random = run.random(i);
            int[] shape = shape(random);
            int width = shape[0];
            int height = shape[1];
            boolean real = (long) width * height <= MAX_DECODED_PIXELS;
            boolean png = random.nextBoolean() || Math.max(width, height) > 65535;
            byte[] image;
            if (png) {
                image = real ? ShapedImages.png(width, height, random.nextBoolean(), random) : ShapedImages.pngClaimingSize(smallPng, width, height);
            } else {
                image = real ? ShapedImages.jpeg(width, height, random) : ShapedImages.jpegClaimingSize(smallJpeg, width, height);
            }
            String input = (real ? "" : "a header claiming ") + width + "x" + height + (png ? " PNG" : " JPEG");
            run.check(i, input, () -> AllocationBound.of(MAX_ALLOCATED, () -> preprocessor.pixelValues(decoder.decode(image))),
                    pixels -> assertThat(pixels).hasSize(PIXEL_VALUES));
        }
        run.assertNoFailures();
    }

    /** Sides from boundary values or at random, in either order, leaving out what is accepted yet too large to decode cheaply. */
    private static int[] shape(Random random) {
        while (true) {
            int a = side(random);
            int b = side(random);
            long pixels = (long) a * b;
            boolean refused = pixels > ImageDecoder.DEFAULT_MAX_PIXELS
                    || Math.max(a, b) > (long) ImageDecoder.DEFAULT_MAX_ASPECT_RATIO * Math.min(a, b);
            if (refused || pixels <= MAX_DECODED_PIXELS) {
                return random.nextBoolean() ? new int[] {a, b} : new int[] {b, a};
            }
        }
    }

    private static int side(Random random) {
        return random.nextBoolean() ? SIDES[random.nextInt(SIDES.length)] : 1 + random.nextInt(random.nextBoolean() ? 64 : 100_000);
    }
}
