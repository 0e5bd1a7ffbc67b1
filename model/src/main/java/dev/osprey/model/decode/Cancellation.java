package dev.osprey.model.decode;

import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import dev.osprey.model.error.OspreyException;
import dev.osprey.model.error.Reason;

/**
 * How a generation learns that it is cancelled: a flag, and the ONNX Runtime run options that every
 * decoder call of the generation runs with ({@link DecoderSession#prefill}, {@link DecoderSession#step}
 * take it), so that {@link #cancel} ends even the run in progress: a first question's prefill at 7B
 * takes about a minute, too long to wait for the next step to notice. After {@link #cancel} the run in
 * progress and every later one end with a CANCELLED error.
 *
 * <p>The run options are made by the first decoder run and freed by {@link #close}, so a generation
 * cancelled before it runs holds nothing native. {@link #cancel} is safe from any thread, before, during
 * or after the runs, and after {@link #close}.
 */
public final class Cancellation implements AutoCloseable {

    /** Never cancelled: for work that no one stops (the CLI, benchmarks, tests). Its runs take no run options. */
    public static final Cancellation NONE = new Cancellation(false);

    private final boolean cancellable;
    private volatile boolean cancelled;
    // Guarded by this: cancel() may come from a gRPC thread while the generation's thread runs or closes.
    private OrtSession.RunOptions options;
    private boolean closed;

    /** Not cancelled yet. */
    public Cancellation() {
        this(true);
    }

    private Cancellation(boolean cancellable) {
        this.cancellable = cancellable;
    }

    /** Ends the decoder run in progress, if any, and refuses later ones. */
    public void cancel() {
        if (!cancellable) {
            throw new IllegalStateException("Cancellation.NONE cannot be cancelled; give the generation a new Cancellation()");
        }
        cancelled = true;
        synchronized (this) {
            if (options != null && !closed) {
                terminate(options);
            }
        }
    }

    /** Whether {@link #cancel} was called. */
    public boolean cancelled() {
        return cancelled;
    }

    /** The run options of this generation's decoder runs, terminated once cancelled; null for {@link #NONE}. */
    synchronized OrtSession.RunOptions options() {
        if (!cancellable) {
            return null;
        }
        if (closed) {
            throw new IllegalStateException("a decoder run after its generation's cancellation was closed");
        }
        if (options == null) {
            try {
                options = new OrtSession.RunOptions();
            } catch (OrtException e) {
                throw new OspreyException(Reason.INTERNAL, "cannot create ONNX Runtime run options: " + e.getMessage(), e);
            }
            if (cancelled) {
                terminate(options);
            }
        }
        return options;
    }

    private static void terminate(OrtSession.RunOptions options) {
        try {
            options.setTerminate(true);
        } catch (OrtException e) {
            throw new OspreyException(Reason.INTERNAL, "cannot interrupt the decoder run: " + e.getMessage(), e);
        }
    }

    /** Frees the run options; call it once the generation's decoder runs are over. */
    @Override
    public synchronized void close() {
        if (!closed && options != null) {
            options.close();
        }
        closed = true;
    }
}
