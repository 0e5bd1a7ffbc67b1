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
     * Opens a CPU session on a model file (its external data is read from beside it).
     *
     * @param intraOpThreads threads per operator; 0 lets ONNX Runtime choose (one per core)
     */
    public static OrtSession open(Path model, int intraOpThreads) {
        return open(model, intraOpThreads, false, options -> { });
    }

    /**
     * As {@link #open(Path, int)}, with the threads spinning between parallel sections if {@code spin}
     * (instead of sleeping), and letting {@code tune} add settings (e.g. a benchmark's profiler or
     * optimised-model dump).
     */
    public static OrtSession open(Path model, int intraOpThreads, boolean spin, Tuning tune) {
        // The environment first: it registers the native logger that option warnings go to.
        OrtEnvironment env = OrtEnvironment.getEnvironment();
        try {
            OrtSession.SessionOptions options = new OrtSession.SessionOptions();
            options.setOptimizationLevel(OrtSession.SessionOptions.OptLevel.ALL_OPT);
            options.setIntraOpNumThreads(intraOpThreads);
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
