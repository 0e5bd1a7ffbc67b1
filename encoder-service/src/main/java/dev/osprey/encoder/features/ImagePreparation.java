package dev.osprey.encoder.features;

import dev.osprey.model.error.OspreyException;
import dev.osprey.model.image.ImageDecoder;
import dev.osprey.model.image.ImagePreprocessor;
import dev.osprey.model.image.RgbImage;
import dev.osprey.service.StageSpans;
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
    private final Turns turns;
    private final StageSpans spans;

    public ImagePreparation(ImageDecoder decoder, ImagePreprocessor preprocessor, int maxConcurrent, StageSpans spans) {
        this.turns = new Turns(maxConcurrent, "decode an image");
        this.decoder = decoder;
        this.preprocessor = preprocessor;
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
        return turns.inTurn(() -> use.apply(spans.run("image-decode", () -> decoder.decode(imageBytes))));
    }

    /** Images waiting for their turn. */
    public int queueDepth() {
        return turns.queueDepth();
    }
}
