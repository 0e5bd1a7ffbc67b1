package dev.osprey.model.pipeline;

import dev.osprey.model.bundle.ModelBundle;
import dev.osprey.model.checkpoint.SafetensorsFile;
import dev.osprey.model.decode.Cancellation;
import dev.osprey.model.decode.DecoderSession;
import dev.osprey.model.decode.EmbeddingTable;
import dev.osprey.model.decode.Int8KvGraph;
import dev.osprey.model.decode.InterleavedSequence;
import dev.osprey.model.decode.KvCache;
import dev.osprey.model.decode.KvPrecision;
import dev.osprey.model.decode.KvScales;
import dev.osprey.model.decode.PrefillKvGraph;
import dev.osprey.model.image.ImageDecoder;
import dev.osprey.model.image.RgbImage;
import dev.osprey.model.mask.BinaryMask;
import dev.osprey.model.region.FeatureMaps;
import dev.osprey.model.region.MaskExtractor;
import dev.osprey.model.region.MaskExtractorWeights;
import dev.osprey.model.region.RegionTokens;
import dev.osprey.model.text.OspreyTokenizer;
import dev.osprey.model.text.PromptEncoder;
import dev.osprey.model.text.PromptIds;
import dev.osprey.model.text.TaskPrompt;
import dev.osprey.model.vision.VisionFeatures;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Gives a bundle's decoder an int8 KV cache: runs one whole question through the bundle's own parts
 * (vision tower, mask extractor, template, embeddings: the same kinds of positions a real question
 * fills, image tokens above all), measures its keys and values in float32 and rewrites the decoder
 * graph with the {@link KvScales} that hold them ({@link Int8KvGraph}). The image is synthetic and
 * fixed (smooth colour fields, edges and noise), so a conversion is repeatable.
 */
public final class KvCalibration {

    private static final int SIDE = 512;

    private KvCalibration() {
    }

    /** Calibrates and rewrites {@code bundle}'s float32-KV decoder in place; returns the scales. */
    public static KvScales apply(ModelBundle bundle, int threads) {
        KvScales scales = measure(bundle, threads);
        Int8KvGraph.rewrite(bundle.decoderModel(), scales);
        if (bundle.prefillDecoderModel() != null) {
            PrefillKvGraph.rewrite(bundle.prefillDecoderModel(), scales);
        }
        return scales;
    }

    /** The scales that hold the keys and values of the calibration question, with headroom. */
    static KvScales measure(ModelBundle bundle, int threads) {
        InterleavedSequence sequence = sequence(bundle, threads);
        try (DecoderSession decoder = bundle.openDecoder(threads)) {
            if (decoder.kvCache() != KvPrecision.FP32) {
                throw new IllegalStateException(bundle.decoderModel() + " keeps an int8 KV cache already");
            }
            try (KvCache cache = decoder.newCache(1, sequence.length())) {
                decoder.prefill(cache, sequence.embeds(), sequence.length(), Cancellation.NONE);
                return KvScales.calibrate(cache.snapshot(0, sequence.length()));
            }
        }
    }

    // A detailed-description question about one elliptical region of the calibration image.
    private static InterleavedSequence sequence(ModelBundle bundle, int threads) {
        RgbImage image = image();
        VisionFeatures features;
        try (ImageEncoder encoder = new ImageEncoder(bundle, new ImageDecoder(), threads)) {
            features = encoder.encode(image).features();
        }
        RegionTokens region;
        try (SafetensorsFile weights = SafetensorsFile.open(bundle.extractorWeights())) {
            region = new MaskExtractor(MaskExtractorWeights.load(weights)).extract(new FeatureMaps(features.levels()),
                    List.of(ellipse(image.height(), image.width())));
        }
        try (OspreyTokenizer tokenizer = OspreyTokenizer.load(bundle.tokenizerDir());
                SafetensorsFile embeddings = SafetensorsFile.open(bundle.embeddings())) {
            // One region: every region slot of the prompt takes region 0's tokens.
            PromptIds ids = new PromptEncoder(tokenizer).task(TaskPrompt.DETAILED, 0);
            return InterleavedSequence.assemble(ids.ids(), EmbeddingTable.from(embeddings), features.imageEmbeds(),
                    region.maskTokens(), region.posTokens());
        }
    }

    private static RgbImage image() {
        byte[] rgb = new byte[SIDE * SIDE * 3];
        SplittableRandom noise = new SplittableRandom(7);
        for (int y = 0; y < SIDE; y++) {
            for (int x = 0; x < SIDE; x++) {
                boolean square = x > SIDE / 4 && x < SIDE / 2 && y > SIDE / 3 && y < 2 * SIDE / 3;
                int i = (y * SIDE + x) * 3;
                rgb[i] = (byte) clamp(square ? 220 : x * 255 / SIDE, noise);
                rgb[i + 1] = (byte) clamp(square ? 40 : y * 255 / SIDE, noise);
                rgb[i + 2] = (byte) clamp((x + y) % 128 < 64 ? 180 : 60, noise);
            }
        }
        return new RgbImage(SIDE, SIDE, rgb);
    }

    private static int clamp(int value, SplittableRandom noise) {
        return Math.clamp(value + noise.nextInt(-12, 13), 0, 255);
    }

    private static BinaryMask ellipse(int height, int width) {
        byte[] pixels = new byte[height * width];
        for (int y = 0; y < height; y++) {
            for (int x = 0; x < width; x++) {
                double dx = (x - width / 2.0) / (width / 3.0);
                double dy = (y - height / 2.0) / (height / 4.0);
                pixels[y * width + x] = (byte) (dx * dx + dy * dy <= 1 ? 1 : 0);
            }
        }
        return new BinaryMask(height, width, pixels);
    }
}
