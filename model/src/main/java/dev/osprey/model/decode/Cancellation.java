package dev.osprey.model.decode;

import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import dev.osprey.model.error.OspreyException;
import dev.osprey.model.error.Reason;

/**
 * Stops a generation's decoder runs from another thread, including one already running: a first
 * question's prefill at 7B takes about a minute, too long to wait for the next step to notice a
 * cancelled call. Attach it to the generation's cache ({@link KvCache#interruptWith}); after
 * {@link #interrupt} the run in progress and every later one end with a CANCELLED error.
 */
public final class RunInterrupt implements AutoCloseable {

    private final OrtSession.RunOptions options;
    private volatile boolean interrupted;

    public RunInterrupt() {
        try {
            options = new OrtSession.RunOptions();
        } catch (OrtException e) {
            throw new OspreyException(Reason.INTERNAL, "cannot create ONNX Runtime run options: " + e.getMessage(), e);
        }
    }

    /** Ends the decoder run in progress, if any, and refuses later ones. Safe from any thread. */
    public void interrupt() {
        interrupted = true;
        try {
            options.setTerminate(true);
        } catch (OrtException e) {
            throw new OspreyException(Reason.INTERNAL, "cannot interrupt the decoder run: " + e.getMessage(), e);
        }
    }

    public boolean interrupted() {
        return interrupted;
    }

    OrtSession.RunOptions options() {
        return options;
    }

    @Override
    public void close() {
        options.close();
    }
}
