package dev.osprey.model.decode;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OnnxValue;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import dev.osprey.model.error.OspreyException;
import dev.osprey.model.error.Reason;
import dev.osprey.model.onnx.OrtSessions;
import java.nio.FloatBuffer;
import java.nio.IntBuffer;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Runs the decoder graph of {@link DecoderGraphBuilder} with a {@link KvCache} per batch of sequences.
 *
 * <pre>{@code
 * try (DecoderSession decoder = DecoderSession.open(bundle.resolve("decoder.onnx"), config, 0);
 *         KvCache cache = decoder.newCache(1, 2048)) {
 *     float[] logits = decoder.prefill(cache, promptEmbeds, promptLength, cancellation);   // [vocab]
 *     logits = decoder.step(cache, embeddings.row(nextId), cancellation);                    // [vocab]
 * }
 * }</pre>
 * One session serves many caches; runs on different caches may go in parallel. Every run takes the
 * {@link Cancellation} of its generation, which can end it while it runs.
 */
public final class DecoderSession implements AutoCloseable {

    /**
     * What closed caches keep for the next ones: two 7B caches of one sequence at Osprey's context
     * (1.1 GiB each in float32, a quarter of that in int8), so that questions in turn never map and
     * fault in a cache afresh.
     */
    public static final long DEFAULT_IDLE_KV_BYTES = 5L << 29;

    private final OrtEnvironment env = OrtEnvironment.getEnvironment();
    private final OrtSession session;
    private final DecoderConfig config;
    private final AtomicLong runs = new AtomicLong();
    private final KvPool kvPool;
    // Null when the graph keeps a float32 cache.
    private final KvScales kvScales;

    private DecoderSession(OrtSession session, DecoderConfig config, long idleKvBytes, KvScales kvScales) {
        this.session = session;
        this.config = config;
        this.kvPool = new KvPool(idleKvBytes);
        this.kvScales = kvScales;
    }

    /**
     * Loads a decoder model file (its external data beside it).
     *
     * @param intraOpThreads threads per operator; 0 lets ONNX Runtime use one per core
     */
    public static DecoderSession open(Path model, DecoderConfig config, int intraOpThreads) {
        return open(model, config, intraOpThreads, options -> { });
    }



    /** As {@link #open(Path, DecoderConfig, int)} with extra session settings (benchmarks: profiling). */
    public static DecoderSession open(Path model, DecoderConfig config, int intraOpThreads, OrtSessions.Tuning tune) {
        // The threads spin between parallel sections instead of sleeping: a decode step is about 300
        // short operators, and waking a sleeping thread for each cost 10-25 % of the step on two cores
        // (BENCHMARKS.md). A session of one thread has no one to wake.
        KvScales scales = Int8KvGraph.scalesOf(model);
        return new DecoderSession(OrtSessions.open(model, intraOpThreads, intraOpThreads != 1, tune), config, DEFAULT_IDLE_KV_BYTES,
                scales);
    }

    /** Ends ONNX Runtime's profiling of this session (if it was on) and returns the profile file's name. */
    public String endProfiling() {
        try {
            return session.endProfiling();
        } catch (OrtException e) {
            throw new OspreyException(Reason.INTERNAL, "cannot end profiling: " + e.getMessage(), e);
        }
    }

    /** The model sizes. */
    public DecoderConfig config() {
        return config;
    }

    /** How the graph keeps its KV cache: {@link KvPrecision#INT8} or {@link KvPrecision#FP32}. */
    public KvPrecision kvCache() {
        return kvScales == null ? KvPrecision.FP32 : KvPrecision.INT8;
    }

    /**
     * An empty cache for {@code batch} sequences of up to {@code maxLength} positions each, on memory
     * that closed caches of this session left behind where it fits.
     */
    public KvCache newCache(int batch, int maxLength) {
        return new KvCache(env, config, batch, maxLength, kvPool, kvScales);
    }

    /** Bytes of KV memory that closed caches keep for the next ones. */
    public long idleKvBytes() {
        return kvPool.idleBytes();
    }

    /**
     * Appends {@code n} positions to every sequence of the cache and returns the logits of each
     * sequence's last position, [batch, vocab] row-major. With an empty cache this is the prompt's
     * prefill; on a non-empty cache it continues the sequence (then only batch 1 may append n > 1).
     *
     * @param embeds       [batch, n, hidden] row-major input embeddings
     * @param cancellation ends the run while it runs, and refuses it if cancelled already
     * @throws OspreyException CANCELLED if {@code cancellation} ended the run (nothing is appended then)
     */
    public float[] prefill(KvCache cache, float[] embeds, int n, Cancellation cancellation) {
        check(cache, embeds, n);
        int batch = cache.batch();
        int total = cache.length() + n;
        // Per row: its own length after this run, minus one; rows loaded from different prefixes may differ.
        int[] seqlens = new int[batch];
        Arrays.setAll(seqlens, b -> cache.length(b) + n - 1);
        try (OnnxTensor input = OnnxTensor.createTensor(env, FloatBuffer.wrap(embeds), new long[] {batch, n, config.hidden()});
                OnnxTensor lengths = OnnxTensor.createTensor(env, IntBuffer.wrap(seqlens), new long[] {batch});
                OnnxTensor totalLength = OnnxTensor.createTensor(env, IntBuffer.wrap(new int[] {total}), new long[0])) {
            Map<String, OnnxTensor> inputs = new HashMap<>();
            inputs.put(DecoderGraphBuilder.INPUTS_EMBEDS, input);
            inputs.put(DecoderGraphBuilder.SEQLENS_K, lengths);
            inputs.put(DecoderGraphBuilder.TOTAL_SEQUENCE_LENGTH, totalLength);
            // The cache tensors are both past inputs and pinned present outputs: the attention appends in place.
            Map<String, OnnxValue> present = new HashMap<>();
            for (int l = 0; l < config.layers(); l++) {
                inputs.put(DecoderGraphBuilder.kvName("past", "key", l), cache.keys(l));
                inputs.put(DecoderGraphBuilder.kvName("past", "value", l), cache.values(l));
                present.put(DecoderGraphBuilder.kvName("present", "key", l), cache.keys(l));
                present.put(DecoderGraphBuilder.kvName("present", "value", l), cache.values(l));
            }
            runs.incrementAndGet();
            try (OrtSession.Result result = session.run(inputs, Set.of(DecoderGraphBuilder.LOGITS), present, cancellation.options())) {
                FloatBuffer logits = ((OnnxTensor) result.get(DecoderGraphBuilder.LOGITS).orElseThrow()).getFloatBuffer();
                float[] out = new float[logits.remaining()];
                logits.get(out);
                cache.advance(n);
                return out;
            }
        } catch (OrtException e) {
            if (cancellation.cancelled()) {
                throw new OspreyException(Reason.CANCELLED, "the decoder run was interrupted: the generation was cancelled", e);
            }
            throw new OspreyException(Reason.INTERNAL, "decoder run failed: " + e.getMessage(), e);
        }
    }

    private void check(KvCache cache, float[] embeds, int n) {
        int batch = cache.batch();
        if (n <= 0 || embeds.length != (long) batch * n * config.hidden()) {
            throw OspreyException.badInput("expected " + batch + " x " + n + " x " + config.hidden() + " embedding values, got "
                    + embeds.length);
        }
        if (cache.length() + n > cache.maxLength()) {
            throw OspreyException.badInput("the sequence would hold " + (cache.length() + n) + " positions, the cache holds at most "
                    + cache.maxLength());
        }
        // GroupQueryAttention continues a non-empty cache by several positions only for batch 1.
        if (n > 1 && cache.length() > 0 && batch > 1) {
            throw OspreyException.badInput("continuing " + batch + " sequences by " + n + " positions at once is not supported;"
                    + " continue one sequence at a time or step one position");
        }
    }

    /** Prefills {@code n} positions ([n, hidden] embeddings) in a fresh cache and returns their keys and values. */
    public PrefixKv prefixKv(float[] embeds, int n, Cancellation cancellation) {
        try (KvCache cache = newCache(1, n)) {
            prefill(cache, embeds, n, cancellation);
            return cache.snapshot(0, n);
        }
    }

    /**
     * Starts every sequence of {@code cache} with {@code prefix} followed by its own suffix and returns
     * [batch, vocab] logits of each suffix's last position; the cache is then ready for {@link #step}.
     * GroupQueryAttention continues a non-empty cache by several positions only for batch 1, so with
     * batch &gt; 1 each suffix is prefilled in a batch-1 cache (one run per sequence) whose row is then
     * copied into the batch.
     *
     * @param suffixes per sequence, [n_b, hidden] embeddings with n_b ≥ 1; the lengths may differ
     */
    public float[] prefillAfter(KvCache cache, PrefixKv prefix, List<float[]> suffixes, Cancellation cancellation) {
        int batch = cache.batch();
        if (suffixes.size() != batch) {
            throw OspreyException.badInput("expected " + batch + " suffixes, one per sequence, got " + suffixes.size());
        }
        if (batch == 1) {
            cache.load(prefix, 0);
            return prefill(cache, suffixes.getFirst(), suffixes.getFirst().length / config.hidden(), cancellation);
        }
        int vocab = config.vocab();
        float[] logits = new float[batch * vocab];
        try (KvCache single = newCache(1, cache.maxLength())) {
            for (int b = 0; b < batch; b++) {
                single.load(prefix, 0);
                float[] suffix = suffixes.get(b);
                System.arraycopy(prefill(single, suffix, suffix.length / config.hidden(), cancellation), 0, logits, b * vocab, vocab);
                cache.copyRow(single, 0, b);
            }
        }
        return logits;
    }

    /** Appends one position per sequence ([batch, hidden] embeddings) and returns [batch, vocab] logits. */
    public float[] step(KvCache cache, float[] embeds, Cancellation cancellation) {
        return prefill(cache, embeds, 1, cancellation);
    }

    /** How many times the graph has run (a batch of sequences is one run). */
    public long runs() {
        return runs.get();
    }

    @Override
    public void close() {
        kvPool.clear();
        try {
            session.close();
        } catch (OrtException e) {
            throw new OspreyException(Reason.INTERNAL, "cannot close the decoder session: " + e.getMessage(), e);
        }
    }
}
