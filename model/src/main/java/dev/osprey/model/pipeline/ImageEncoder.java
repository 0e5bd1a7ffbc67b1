package dev.osprey.model.pipeline;

import dev.osprey.model.bundle.ModelBundle;
import dev.osprey.model.image.ImageDecoder;
import dev.osprey.model.image.ImagePreprocessor;
import dev.osprey.model.image.RgbImage;
import dev.osprey.model.tensor.Tensor;
import dev.osprey.model.vision.OnnxVisionTower;
import dev.osprey.model.vision.VisionFeatures;
import java.util.ArrayList;
import java.util.List;

/**
 * Image bytes → the vision features of the bundle: decode (EXIF-oriented RGB), preprocess exactly as
 * the reference (spec §1.4), run the vision tower. Owns the vision session; close it when done.
 */
public final class ImageEncoder implements AutoCloseable {

    /** An encoded image: its size after EXIF orientation, the model input and the features. */
    public record Encoded(int width, int height, Tensor pixelValues, VisionFeatures features) {

        /** pixel_values [3,S,S], res2..res5 [C,H,W] and image_embeds [tokens, hidden], as `osprey encode` writes them. */
        public List<Tensor> tensors() {
            List<Tensor> all = new ArrayList<>();
            all.add(pixelValues);
            all.addAll(features.toTensors());
            return all;
        }
    }

    private final ImageDecoder decoder;
    private final ImagePreprocessor preprocessor;
    private final OnnxVisionTower tower;

    public ImageEncoder(ModelBundle bundle, ImageDecoder decoder, int threads) {
        this.decoder = decoder;
        this.preprocessor = new ImagePreprocessor(bundle.manifest().image());
        this.tower = OnnxVisionTower.open(bundle.visionModel(), threads);
    }

    /** Decodes the bytes; a BAD_INPUT error names what is wrong with them. */
    public RgbImage decode(byte[] imageBytes) {
        return decoder.decode(imageBytes);
    }

    /** Encodes one decoded image. */
    public Encoded encode(RgbImage image) {
        int size = preprocessor.size();
        float[] pixels = preprocessor.pixelValues(image);
        VisionFeatures features = tower.encode(pixels).getFirst();
        return new Encoded(image.width(), image.height(), Tensor.ofFloats("pixel_values", new long[] {3, size, size}, pixels), features);
    }

    @Override
    public void close() {
        tower.close();
    }
}
