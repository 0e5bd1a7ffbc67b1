package dev.osprey.model.onnx;

import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import dev.osprey.model.error.OspreyException;
import dev.osprey.model.error.Reason;
import java.nio.file.Path;

/** Opens ONNX Runtime sessions from model files with our settings. */
public final class OrtSessions {

    private OrtSessions() {
    }

    /**
     * Where a session's intermediate tensors live between runs.
     *
     * <p>ONNX Runtime's arena keeps every block it hands out, and with memory patterns on it adds a
     * planned block per input shape after that shape's first run. For a graph run once per image or
     * prompt on large tensors, whose shapes vary, that is gigabytes held for good: the SAM ViT-B image
     * encoder held 4.1 GB after three images against 0.6 GB without the arena, and the 7B prefill graph
     * 14.3 GB of process memory after three 1,059-position prompts against 11.6-11.7 GB. Without the
     * arena the prefill's later runs took 1.11x as long (memory mapped afresh each run); where a 7B stack
     * must fit its host, that is the better trade (BENCHMARKS.md, "Memory of the 7B stack"). A graph that
     * many threads run at once on mid-sized tensors is the exception: freed per run, those stay in glibc's
     * per-thread heaps, which held more than one shared arena (the vision tower).
     */
    public enum Memory {
        /**
         * The arena, with a memory plan per input shape: for graphs run many times on small tensors of few
         * shapes (decode steps, SAM prompts) or by many threads at once (the vision tower).
         */
        ARENA,
        /** Allocated for each run and given back after it: for graphs run once per image or prompt, few at a time (SAM image encoder, prefill). */
        PER_RUN
    }

    /**
     * Opens a CPU session on a model file (its external data is read from beside it).
     *
     * @param intraOpThreads threads per operator; 0 lets ONNX Runtime choose (one per core)
     */
    public static OrtSession open(Path model, int intraOpThreads, Memory memory) {
        return open(model, intraOpThreads, false, memory, options -> { });
    }

    /**
     * As {@link #open(Path, int, Memory)}, with the threads spinning between parallel sections if
     * {@code spin} (instead of sleeping), and letting {@code tune} add settings (e.g. a benchmark's
     * profiler or optimised-model dump).
     */
    public static OrtSession open(Path model, int intraOpThreads, boolean spin, Memory memory, Tuning tune) {
        // The environment first: it registers the native logger that option warnings go to.
        OrtEnvironment env = OrtEnvironment.getEnvironment();
        try {
            OrtSession.SessionOptions options = new OrtSession.SessionOptions();
            options.setOptimizationLevel(OrtSession.SessionOptions.OptLevel.ALL_OPT);
            options.setIntraOpNumThreads(intraOpThreads);
            options.setCPUArenaAllocator(memory == Memory.ARENA);
            options.setMemoryPatternOptimization(memory == Memory.ARENA);
            // Spinning threads burn the cores other services and requests need: only where it pays.
            options.addConfigEntry("session.intra_op.allow_spinning", spin ? "1" : "0");
            tune.apply(options);
            return env.createSession(model.toString(), options);
        } catch (OrtException e) {
            throw new OspreyException(Reason.BAD_BUNDLE, "cannot load ONNX model " + model + ": " + e.getMessage(), e);
        }
    }

    /** Extra session settings. */
    @FunctionalInterface
    public interface Tuning {
        void apply(OrtSession.SessionOptions options) throws OrtException;
    }
}
