package dev.osprey.model.bench;

import dev.osprey.model.bundle.ModelBundle;
import dev.osprey.model.decode.Cancellation;
import dev.osprey.model.decode.DecoderConfig;
import dev.osprey.model.decode.DecoderSession;
import dev.osprey.model.decode.KvCache;
import java.nio.file.Path;
import java.util.List;

/**
 * ONNX Runtime's profiler over the decoder's two shapes of work: one prefill chunk on an empty cache,
 * and decode steps after the cache holds {@code context} positions. Also dumps the graph as the
 * optimiser left it, to see what it fused.
 */
public final class DecoderProfiling {

    /** Per-op tables of the prefill run and of a decode step at the context (mean over the steps). */
    public record Result(double prefillMs, List<OrtProfile.OpTime> prefill, double stepMs, List<OrtProfile.OpTime> step,
            Path profile, Path optimizedModel) {
    }

    private DecoderProfiling() {
    }

    /** Writes the profile and the optimised model into {@code dir}. */
    public static Result run(ModelBundle bundle, int threads, int prefill, int context, int steps, Path dir) {
        DecoderConfig config = bundle.decoderConfig();
        int hidden = config.hidden();
        Path optimized = dir.resolve("decoder.optimized.onnx");
        String profile;
        int prefillRuns;
        try (DecoderSession session = DecoderSession.open(bundle.decoderModel(), config, threads, options -> {
            options.enableProfiling(dir.resolve("decoder-profile").toString());
            options.setOptimizedModelFilePath(optimized.toString());
            // A 7B graph is beyond protobuf's 2 GB: the dump keeps its weights in a file beside it.
            options.addConfigEntry("session.optimized_model_external_initializers_file_name", "decoder.optimized.onnx.data");
            options.addConfigEntry("session.optimized_model_external_initializers_min_size_in_bytes", "1024");
        }); KvCache cache = session.newCache(1, prefill)) {
            session.prefill(cache, StageBenchmarks.random(prefill * hidden, 2), prefill, Cancellation.NONE);
            try (KvCache filled = session.newCache(1, context + steps + 1)) {
                prefillRuns = 1 + StageBenchmarks.fill(session, filled, context, prefill);
                float[] embed = StageBenchmarks.random(hidden, 9);
                for (int i = 0; i < steps; i++) {
                    session.step(filled, embed, Cancellation.NONE);
                }
            }
            profile = session.endProfiling();
        }
        OrtProfile trace = OrtProfile.read(Path.of(profile));
        // The first decode step is a warm-up; the rest are the steady state.
        int from = prefillRuns + 1;
        int to = trace.runs();
        return new Result(trace.runMillis(0, 1), trace.opTable(0, 1), trace.runMillis(from, to), trace.opTable(from, to),
                Path.of(profile), optimized);
    }
}
