package dev.osprey.model.decode;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OnnxValue;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import dev.osprey.model.error.OspreyException;
import dev.osprey.model.error.Reason;
import dev.osprey.model.onnx.OrtSessions;
import dev.osprey.model.onnx.SessionRuns;
import java.nio.ByteBuffer;
import java.nio.FloatBuffer;
import java.nio.IntBuffer;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;

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
 *
 * <p>A second graph of the same contract may take the runs of {@value #PREFILL_GRAPH_MIN_POSITIONS} or
 * more positions (a bundle's {@link DecoderGraphBuilder#PREFILL_MODEL_FILE}): int8 GEMMs over per-channel int8
 * weights prefill about 1.7x faster than MatMulNBits at 7B, while single-position steps, which read
 * every weight once, stay with the smaller int4 graph. Both write the same cache.
 */
public final class DecoderSession implements AutoCloseable {

    /**
     * What closed caches keep for the next ones: two 7B caches of one sequence at Osprey's context
     * (1.1 GiB each in float32, a quarter of that in int8), so that questions in turn never map and
     * fault in a cache afresh.
     */
    public static final long DEFAULT_IDLE_KV_BYTES = 5L << 29;
    /**
     * Runs of at least this many positions go to the prefill graph when there is one. At 7B it was
     * already faster at 8 positions (291 against 317 ms); a single step reads every weight once,
     * where int4's smaller read wins (BENCHMARKS.md).
     */
    public static final int PREFILL_GRAPH_MIN_POSITIONS = 8;

    private final OrtEnvironment env = OrtEnvironment.getEnvironment();
    private final OrtSession session;
    // Null without a prefill graph.
    private final OrtSession prefillSession;
    private final DecoderConfig config;
    private final AtomicLong runs = new AtomicLong();
    private final SessionRuns lifetime = new SessionRuns("the language model's decoder");
    private final KvPool kvPool;
    // Null when the graph keeps a float32 cache.
    private final KvScales kvScales;
    // Whether the prefill graph hands back its new positions' codes instead of appending in place (PrefillKvGraph).
    private final boolean prefillAppends;

    private DecoderSession(OrtSession session, OrtSession prefillSession, DecoderConfig config, long idleKvBytes, KvScales kvScales) {
        this.session = session;
        this.prefillSession = prefillSession;
        this.config = config;
        this.kvPool = new KvPool(idleKvBytes);
        this.kvScales = kvScales;
        this.prefillAppends = prefillSession != null && prefillSession.getOutputNames().contains(PrefillKvGraph.appendedName("key", 0));
    }


    /**
     * Loads a decoder model file (its external data beside it).
     *
     * @param intraOpThreads threads per operator; 0 lets ONNX Runtime use one per core
     */
    public static DecoderSession open(Path model, DecoderConfig config, int intraOpThreads) {
        return open(model, null, config, intraOpThreads, file -> options -> { });
    }

    /**
     * As {@link #open(Path, DecoderConfig, int)} with a prefill graph ({@code prefillModel}, null for
     * none) and extra session settings per model file (benchmarks: profiling).
     *
     * @throws OspreyException BAD_BUNDLE if the two graphs keep their KV caches differently
     */
    public static DecoderSession open(Path model, Path prefillModel, DecoderConfig config, int intraOpThreads,
            Function<Path, OrtSessions.Tuning> tune) {
        return open(model, prefillModel, config, intraOpThreads, DEFAULT_IDLE_KV_BYTES, tune);
    }

    /**
     * As {@link #open(Path, Path, DecoderConfig, int, Function)}, keeping up to {@code idleKvBytes} of
     * closed caches' memory for the next caches (0: none; each cache then maps and faults in its memory afresh).
     */
    public static DecoderSession open(Path model, Path prefillModel, DecoderConfig config, int intraOpThreads, long idleKvBytes,
            Function<Path, OrtSessions.Tuning> tune) {
        KvScales scales = Int8KvGraph.scalesOf(model);
        if (prefillModel != null && !Objects.equals(scales, Int8KvGraph.scalesOf(prefillModel))) {
            throw new OspreyException(Reason.BAD_BUNDLE, prefillModel + " and " + model + " keep their KV caches differently;"
                    + " convert the checkpoint again");
        }
        OrtSession session = OrtSessions.open(model, intraOpThreads, spins(intraOpThreads), OrtSessions.Memory.ARENA, tune.apply(model));
        try {
            // The prefill graph runs once per prompt on large activations: an arena would keep its peak for good.
            OrtSession prefill = prefillModel == null ? null
                    : OrtSessions.open(prefillModel, intraOpThreads, spins(intraOpThreads), OrtSessions.Memory.PER_RUN, tune.apply(prefillModel));
            return new DecoderSession(session, prefill, config, idleKvBytes, scales);
        } catch (RuntimeException e) {
            closeQuietly(session, e);
            throw e;
        }
    }

    /**
     * The threads spin between parallel sections instead of sleeping: a decode step is about 300 short
     * operators, and waking a sleeping thread for each cost 10-25 % of the step on two cores
     * (BENCHMARKS.md). A session of one thread has no one to wake.
     */
    private static boolean spins(int intraOpThreads) {
        return intraOpThreads != 1;
    }

    private static void closeQuietly(OrtSession session, RuntimeException cause) {
        try {
            session.close();
        } catch (OrtException e) {
            cause.addSuppressed(e);
        }
    }

    /** Whether runs of many positions go to a prefill graph of their own. */
    public boolean hasPrefillGraph() {
        return prefillSession != null;
    }

    /**
     * Ends ONNX Runtime's profiling of this session (if it was on) and returns the profile files' names:
     * the decode graph's, then the prefill graph's if there is one.
     */
    public List<String> endProfiling() {
        try {
            return prefillSession == null ? List.of(session.endProfiling()) : List.of(session.endProfiling(), prefillSession.endProfiling());
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
            OrtSession graph = prefillSession != null && n >= PREFILL_GRAPH_MIN_POSITIONS ? prefillSession : session;
            boolean appends = graph == prefillSession && prefillAppends;
            // Otherwise the cache tensors are both past inputs and pinned present outputs: the attention appends in place.
            Map<String, OnnxValue> present = new HashMap<>();
            Set<String> wanted = new HashSet<>();
            wanted.add(DecoderGraphBuilder.LOGITS);
            for (int l = 0; l < config.layers(); l++) {
                inputs.put(DecoderGraphBuilder.kvName("past", "key", l), cache.keys(l));
                inputs.put(DecoderGraphBuilder.kvName("past", "value", l), cache.values(l));
                if (appends) {
                    wanted.add(PrefillKvGraph.appendedName("key", l));
                    wanted.add(PrefillKvGraph.appendedName("value", l));
                } else {
                    present.put(DecoderGraphBuilder.kvName("present", "key", l), cache.keys(l));
                    present.put(DecoderGraphBuilder.kvName("present", "value", l), cache.values(l));
                }
            }
            runs.incrementAndGet();
            return lifetime.run(() -> {
                try (OrtSession.Result result = graph.run(inputs, wanted, present, cancellation.options())) {
                    FloatBuffer logits = ((OnnxTensor) result.get(DecoderGraphBuilder.LOGITS).orElseThrow()).getFloatBuffer();
                    float[] out = new float[logits.remaining()];
                    logits.get(out);
                    if (appends) {
                        for (int l = 0; l < config.layers(); l++) {
                            cache.append(l, codes(result, PrefillKvGraph.appendedName("key", l)),
                                    codes(result, PrefillKvGraph.appendedName("value", l)), total - n, n);
                        }
                    }
                    cache.advance(n);
                    return out;
                }
            });
        } catch (OrtException e) {
            if (cancellation.cancelled()) {
                throw new OspreyException(Reason.CANCELLED, "the decoder run was interrupted: the generation was cancelled", e);
            }
            throw new OspreyException(Reason.INTERNAL, "decoder run failed: " + e.getMessage(), e);
        }
    }

    private static ByteBuffer codes(OrtSession.Result result, String name) {
        return ((OnnxTensor) result.get(name).orElseThrow()).getByteBuffer();
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

    /** Closes the graphs once the runs in flight are over; later runs fail UNAVAILABLE. */
    @Override
    public void close() {
        try {
            lifetime.close(() -> {
                kvPool.clear();
                if (prefillSession != null) {
                    prefillSession.close();
                }
                session.close();
            });
        } catch (OrtException e) {
            throw new OspreyException(Reason.INTERNAL, "cannot close the decoder session: " + e.getMessage(), e);
        }
    }
}
