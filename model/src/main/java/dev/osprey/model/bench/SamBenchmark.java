package dev.osprey.model.bench;

import dev.osprey.model.image.RgbImage;
import dev.osprey.model.sam.SamEmbedding;
import dev.osprey.model.sam.SamInput;
import dev.osprey.model.sam.SamMasks;
import dev.osprey.model.sam.SamPoint;
import dev.osprey.model.sam.SamPrediction;
import dev.osprey.model.sam.SamPredictor;
import dev.osprey.model.sam.SamPreprocessor;
import dev.osprey.model.sam.SamPrompt;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.Supplier;

/**
 * SAM's stages on one image, medians of {@code runs} after a warm-up: preprocessing, the image
 * embedding, one click decoded (one point, three masks), a batch of clicks decoded in one run (the
 * automatic generator's unit), and one mask brought to the image size.
 */
public final class SamBenchmark {

    /** Medians in milliseconds. */
    public record Result(String variant, int width, int height, double preprocessMs, double embedMs, double clickMs, int batch, double batchMs,
            double maskMs) {
    }

    private SamBenchmark() {
    }

    public static Result run(SamPredictor sam, RgbImage image, int runs, int batch) {
        SamPreprocessor preprocessor = new SamPreprocessor(sam.config());
        double preprocess = median(runs, () -> preprocessor.prepare(image));
        SamInput input = preprocessor.prepare(image);
        double embed = median(runs, () -> sam.embed(input));
        SamEmbedding embedding = sam.embed(input);
        SamPrompt click = SamPrompt.of(List.of(new SamPoint(image.width() / 2.0, image.height() / 2.0, SamPoint.FOREGROUND)));
        double clickMs = median(runs, () -> sam.predict(embedding, click, true));
        List<SamPrompt> clicks = new ArrayList<>();
        for (int i = 0; i < batch; i++) {
            clicks.add(SamPrompt.of(List.of(new SamPoint((i + 0.5) * image.width() / batch, image.height() / 2.0, SamPoint.FOREGROUND))));
        }
        double batchMs = median(runs, () -> sam.predictBatch(embedding, clicks, true));
        SamPrediction p = sam.predict(embedding, click, true);
        double mask = median(runs, () -> SamMasks.mask(p, p.bestIndex(), embedding));
        return new Result(sam.config().variant(), image.width(), image.height(), preprocess, embed, clickMs, batch, batchMs, mask);
    }

    private static double median(int runs, Supplier<?> work) {
        work.get();
        double[] ms = new double[runs];
        for (int i = 0; i < runs; i++) {
            long start = System.nanoTime();
            work.get();
            ms[i] = (System.nanoTime() - start) / 1e6;
        }
        Arrays.sort(ms);
        return ms[runs / 2];
    }
}
