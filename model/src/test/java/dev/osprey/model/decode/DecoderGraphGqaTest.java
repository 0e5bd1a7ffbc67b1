package dev.osprey.model.decode;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.osprey.model.Golden;
import dev.osprey.model.checkpoint.SafetensorsFile;
import dev.osprey.model.error.OspreyException;
import dev.osprey.model.error.Reason;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The graph on a random checkpoint with fewer KV heads than query heads (4 vs 2) matches a plain
 * Java forward pass, and the KV cache (stepping, continuing a prompt) matches full recomputation.
 */
class DecoderGraphGqaTest {

    static final DecoderConfig SIZES = DecoderConfigTest.GQA;
    static final int N = 12;

    @TempDir
    static Path dir;
    static SafetensorsFile weights;
    static DecoderConfig config;
    static DecoderSession session;
    static ReferenceLlama reference;
    static float[] embeds;

    @BeforeAll
    static void build() {
        RandomLlama.write(dir, SIZES, RandomLlama.configJson(SIZES), 11);
        weights = SafetensorsFile.open(dir.resolve("model.safetensors"));
        config = DecoderConfig.load(dir, weights);
        session = DecoderSession.open(DecoderGraphBuilder.build(weights, config, DecoderPrecision.FP32, dir.resolve("graph")), config, 1);
        reference = new ReferenceLlama(config, weights);
        embeds = new float[N * config.hidden()];
        Random random = new Random(3);
        for (int i = 0; i < embeds.length; i++) {
            embeds[i] = (float) random.nextGaussian();
        }
    }

    @AfterAll
    static void close() {
        session.close();
        weights.close();
    }

    @Test
    void configReadsFewerKvHeadsThanQueryHeads() {
        assertThat(config).isEqualTo(SIZES);
    }

    @Test
    void prefillLogitsMatchThePlainJavaForwardPass() {
        for (int n = 1; n <= N; n++) {
            float[] prefix = Arrays.copyOf(embeds, n * config.hidden());
            try (KvCache cache = session.newCache(1, N)) {
                Golden.assertClose("prefill of " + n, session.prefill(cache, prefix, n, Cancellation.NONE), reference.lastLogits(prefix, n), 1e-4, 0);
            }
        }
    }

    @Test
    void steppingThroughTheCacheMatchesFullRecomputation() {
        try (KvCache cache = session.newCache(1, N)) {
            session.prefill(cache, Arrays.copyOf(embeds, 3 * config.hidden()), 3, Cancellation.NONE);
            for (int p = 3; p < N; p++) {
                float[] logits = session.step(cache, Arrays.copyOfRange(embeds, p * config.hidden(), (p + 1) * config.hidden()), Cancellation.NONE);
                Golden.assertClose("step to " + (p + 1), logits, reference.lastLogits(embeds, p + 1), 1e-4, 0);
            }
            assertThat(cache.length()).isEqualTo(N);
        }
    }

    @Test
    void continuingAPromptInChunksMatchesFullRecomputation() {
        try (KvCache cache = session.newCache(1, N)) {
            session.prefill(cache, Arrays.copyOf(embeds, 5 * config.hidden()), 5, Cancellation.NONE);
            float[] logits = session.prefill(cache, Arrays.copyOfRange(embeds, 5 * config.hidden(), N * config.hidden()), N - 5, Cancellation.NONE);
            Golden.assertClose("5 + " + (N - 5) + " positions", logits, reference.lastLogits(embeds, N), 1e-4, 0);
        }
    }

    @Test
    void batchedStepsMatchEachSequenceAlone() {
        int n = 6;
        float[] second = new float[n * config.hidden()];
        System.arraycopy(embeds, (N - n) * config.hidden(), second, 0, second.length);
        float[] both = new float[2 * second.length];
        System.arraycopy(embeds, 0, both, 0, second.length);
        System.arraycopy(second, 0, both, second.length, second.length);
        try (KvCache cache = session.newCache(2, N)) {
            float[] logits = session.prefill(cache, both, n, Cancellation.NONE);
            int vocab = config.vocab();
            Golden.assertClose("batch row 0", Arrays.copyOf(logits, vocab), reference.lastLogits(both, n), 1e-4, 0);
            Golden.assertClose("batch row 1", Arrays.copyOfRange(logits, vocab, 2 * vocab), reference.lastLogits(second, n), 1e-4, 0);
            float[] next = new float[2 * config.hidden()];
            System.arraycopy(embeds, n * config.hidden(), next, 0, config.hidden());
            System.arraycopy(embeds, 0, next, config.hidden(), config.hidden());
            logits = session.step(cache, next, Cancellation.NONE);
            float[] secondLonger = Arrays.copyOf(second, (n + 1) * config.hidden());
            System.arraycopy(embeds, 0, secondLonger, n * config.hidden(), config.hidden());
            Golden.assertClose("batch row 0 step", Arrays.copyOf(logits, vocab), reference.lastLogits(embeds, n + 1), 1e-4, 0);
            Golden.assertClose("batch row 1 step", Arrays.copyOfRange(logits, vocab, 2 * vocab),
                    reference.lastLogits(secondLonger, n + 1), 1e-4, 0);
        }
    }

    @Test
    void aFullCacheRejectsAnotherPosition() {
        try (KvCache cache = session.newCache(1, 2)) {
            session.prefill(cache, Arrays.copyOf(embeds, 2 * config.hidden()), 2, Cancellation.NONE);
            assertThatThrownBy(() -> session.step(cache, Arrays.copyOf(embeds, config.hidden()), Cancellation.NONE))
                    .isInstanceOfSatisfying(OspreyException.class, e -> assertThat(e.reason()).isEqualTo(Reason.BAD_INPUT))
                    .hasMessageContaining("the cache holds at most 2");
        }
    }
}
