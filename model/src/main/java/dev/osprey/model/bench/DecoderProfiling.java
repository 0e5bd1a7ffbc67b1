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
 * and decode steps after the cache holds {@code context} positions. Also dumps each graph as the
 * optimiser left it, to see what it fused. With a prefill graph in the bundle, the prefill is read
 * from that graph's profile and the steps from the decoder's.
 */
public final class DecoderProfiling {

    /** Per-op tables of the prefill run and of a decode step at the context (mean over the steps). */
    public record Result(double prefillMs, List<OrtProfile.OpTime> prefill, double stepMs, List<OrtProfile.OpTime> step,
            List<Path> profiles, Path dir) {
    }

    private DecoderProfiling() {
    }

    /** Writes the profile and the optimised model into {@code dir}. */
    public static Result run(ModelBundle bundle, int threads, int prefill, int context, int steps, Path dir) {
        DecoderConfig config = bundle.decoderConfig();
        int hidden = config.hidden();
        List<String> profiles;
        int prefillRuns;
        boolean prefillGraph;
        try (DecoderSession session = DecoderSession.open(bundle.decoderModel(), bundle.prefillDecoderModel(), config, threads, model -> {
            String name = model.getFileName().toString().replace(".onnx", "");
            return options -> {
                options.enableProfiling(dir.resolve(name + "-profile").toString());
                options.setOptimizedModelFilePath(dir.resolve(name + ".optimized.onnx").toString());
                // A 7B graph is beyond protobuf's 2 GB: the dump keeps its weights in a file beside it.
                options.addConfigEntry("session.optimized_model_external_initializers_file_name", name + ".optimized.onnx.data");
                options.addConfigEntry("session.optimized_model_external_initializers_min_size_in_bytes", "1024");
            };
        }); KvCache cache = session.newCache(1, prefill)) {
            prefillGraph = session.hasPrefillGraph();
            session.prefill(cache, StageBenchmarks.random(prefill * hidden, 2), prefill, Cancellation.NONE);
            try (KvCache filled = session.newCache(1, context + steps + 1)) {
                prefillRuns = 1 + StageBenchmarks.fill(session, filled, context, prefill);
                float[] embed = StageBenchmarks.random(hidden, 9);
                for (int i = 0; i < steps; i++) {
                    session.step(filled, embed, Cancellation.NONE);
                }
            }
            profiles = session.endProfiling();
        }
        OrtProfile stepTrace = OrtProfile.read(Path.of(profiles.getFirst()));
        OrtProfile prefillTrace = prefillGraph ? OrtProfile.read(Path.of(profiles.getLast())) : stepTrace;
        // The first decode step is a warm-up; the rest are the steady state.
        int from = prefillGraph ? 1 : prefillRuns + 1;
        int to = stepTrace.runs();
        return new Result(prefillTrace.runMillis(0, 1), prefillTrace.opTable(0, 1), stepTrace.runMillis(from, to), stepTrace.opTable(from, to),
                profiles.stream().map(Path::of).toList(), dir);
    }
}
