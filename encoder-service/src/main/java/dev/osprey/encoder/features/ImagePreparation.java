package dev.osprey.encoder.features;

import dev.osprey.model.error.OspreyException;
import dev.osprey.model.error.Reason;
import dev.osprey.model.image.ImageDecoder;
import dev.osprey.model.image.ImagePreprocessor;
import dev.osprey.model.image.RgbImage;
import dev.osprey.service.StageSpans;
import java.util.concurrent.Semaphore;
import java.util.function.Function;

/**
 * Image bytes to the vision tower's input: decode (EXIF-oriented RGB) and preprocess (spec §1.4).
 * At most {@code maxConcurrent} images are prepared at once, the others wait their turn: a decoded
 * image may take up to 150 MB (50 megapixels of RGB), and a burst of uploads must not fill the heap.
 * Each step is a span of the request's trace: {@code image-decode}, {@code preprocess}.
 */
public final class ImagePreparation {

    /**
     * One image ready for the tower.
     *
     * @param width       after EXIF orientation
     * @param height      after EXIF orientation
     * @param pixelValues [3,S,S] floats
     */
    public record Prepared(int width, int height, float[] pixelValues) {
    }

    private final ImageDecoder decoder;
    private final ImagePreprocessor preprocessor;
    private final Semaphore turns;
    private final StageSpans spans;

    public ImagePreparation(ImageDecoder decoder, ImagePreprocessor preprocessor, int maxConcurrent, StageSpans spans) {
        if (maxConcurrent < 1) {
            throw new IllegalArgumentException("at least one image must be prepared at a time, got " + maxConcurrent);
        }
        this.decoder = decoder;
        this.preprocessor = preprocessor;
        this.turns = new Semaphore(maxConcurrent, true);
        this.spans = spans;
    }

    /**
     * Decodes and preprocesses an image, waiting for a turn first.
     *
     * @throws OspreyException BAD_INPUT naming what is wrong with bytes that are no decodable image
     */
    public Prepared prepare(byte[] imageBytes) {
        return inTurn(imageBytes, image -> new Prepared(image.width(), image.height(),
                spans.run("preprocess", () -> preprocessor.pixelValues(image))));
    }

    /**
     * Decodes an image, waiting for a turn first, and hands it to {@code use} within that turn (so that
     * the decoded pixels count against the bound until {@code use} has made what it keeps of them).
     *
     * @throws OspreyException BAD_INPUT naming what is wrong with bytes that are no decodable image
     */
    public <T> T inTurn(byte[] imageBytes, Function<RgbImage, T> use) {
        try {
            turns.acquire();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new OspreyException(Reason.UNAVAILABLE, "interrupted while waiting to decode an image", e);
        }
        try {
            RgbImage image = spans.run("image-decode", () -> decoder.decode(imageBytes));
            return use.apply(image);
        } finally {
            turns.release();
        }
    }

    /** Images waiting for their turn. */
    public int queueDepth() {
        return turns.getQueueLength();
    }
}
