package dev.osprey.model.decode;

import dev.osprey.model.Golden;
import dev.osprey.model.checkpoint.SafetensorsFile;
import dev.osprey.model.generate.Sampler;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.stream.Stream;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * A decoder built from the golden tiny checkpoint: its weights, sizes, embedding table and an open
 * session (one intra-op thread), in a temporary folder deleted on close.
 */
final class GoldenDecoder implements AutoCloseable {

    /**
     * Gives a test class the golden decoder of one precision; each precision is built once per test
     * run and closed by JUnit at its end.
     *
     * <pre>{@code @RegisterExtension static final GoldenDecoder.Shared FP32 = new GoldenDecoder.Shared(DecoderPrecision.FP32);}</pre>
     */
    static final class Shared implements BeforeAllCallback {
        private static final ExtensionContext.Namespace NAMESPACE = ExtensionContext.Namespace.create(GoldenDecoder.class);
        private final DecoderPrecision precision;
        private GoldenDecoder decoder;

        Shared(DecoderPrecision precision) {
            this.precision = precision;
        }

        @Override
        public void beforeAll(ExtensionContext context) {
            decoder = context.getRoot().getStore(NAMESPACE).computeIfAbsent(precision, GoldenDecoder::build, GoldenDecoder.class);
        }

        GoldenDecoder get() {
            return decoder;
        }
    }

    final SafetensorsFile weights;
    final DecoderConfig config;
    final EmbeddingTable table;
    final DecoderSession session;
    private final Path dir;

    private GoldenDecoder(SafetensorsFile weights, DecoderConfig config, Path dir) {
        this.weights = weights;
        this.config = config;
        this.table = EmbeddingTable.from(weights);
        this.dir = dir;
        this.session = DecoderSession.open(dir.resolve(DecoderGraphBuilder.MODEL_FILE), config, 1);
    }

    /** The golden checkpoint's weights (close after use). */
    static SafetensorsFile weights() {
        return SafetensorsFile.open(Golden.safetensorsCheckpoint().resolve("model.safetensors"));
    }

    /** Builds the golden decoder in {@code precision} into a fresh temporary folder and opens it. */
    static GoldenDecoder build(DecoderPrecision precision) {
        SafetensorsFile weights = weights();
        try {
            DecoderConfig config = DecoderConfig.load(Golden.safetensorsCheckpoint(), weights);
            Path dir = Files.createTempDirectory("golden-decoder-" + precision.label());
            DecoderGraphBuilder.build(weights, config, precision, dir);
            return new GoldenDecoder(weights, config, dir);
        } catch (IOException e) {
            weights.close();
            throw new UncheckedIOException(e);
        }
    }

    /** The last-position logits of a whole prompt run in a fresh cache. */
    float[] firstStepLogits(InterleavedSequence sequence) {
        return firstStepLogits(session, sequence);
    }

    /** The last-position logits of a whole prompt run by {@code session} in a fresh cache. */
    static float[] firstStepLogits(DecoderSession session, InterleavedSequence sequence) {
        try (KvCache cache = session.newCache(1, sequence.length())) {
            return session.prefill(cache, sequence.embeds(), sequence.length(), Cancellation.NONE);
        }
    }

    /** {@code tokens} greedy ids continuing {@code logits} in {@code cache}, run by {@code session} (embedding with this table). */
    int[] greedy(DecoderSession session, KvCache cache, float[] logits, int tokens) {
        int[] ids = new int[tokens];
        float[] next = new float[config.hidden()];
        for (int t = 0; t < tokens; t++) {
            ids[t] = Sampler.argmax(logits, 0, logits.length);
            table.copyRow(ids[t], next, 0);
            if (t + 1 < tokens) {
                logits = session.step(cache, next, Cancellation.NONE);
            }
        }
        return ids;
    }

    @Override
    public void close() throws IOException {
        session.close();
        weights.close();
        try (Stream<Path> files = Files.walk(dir)) {
            for (Path file : files.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(file);
            }
        }
    }
}
