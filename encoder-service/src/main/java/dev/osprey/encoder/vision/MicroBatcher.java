package dev.osprey.encoder.vision;

import dev.osprey.model.error.OspreyException;
import dev.osprey.model.error.Reason;
import dev.osprey.model.vision.VisionFeatures;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * Gathers concurrent single-image encodes into one backend run: a batch starts with the first waiting
 * image and takes every image that arrives within {@code maxWait} of it, up to {@code maxBatch}. One
 * worker thread runs the batches one after another; that costs nothing on a CPU, where one run keeps
 * every intra-op thread busy, and images that queue behind a running batch form the next one.
 *
 * <pre>{@code
 * try (MicroBatcher batcher = new MicroBatcher(backend, 3 * 512 * 512, 4, Duration.ofMillis(5), BatchListener.NONE)) {
 *     VisionFeatures features = batcher.encode(pixelValues);   // blocks until its batch has run
 * }
 * }</pre>
 */
public final class MicroBatcher implements AutoCloseable {

    private record Request(float[] pixelValues, CompletableFuture<VisionFeatures> result) {
    }

    private final VisionBackend backend;
    private final int imageFloats;
    private final int maxBatch;
    private final long maxWaitNanos;
    private final BatchListener listener;
    private final BlockingQueue<Request> queue = new LinkedBlockingQueue<>();
    private final Thread worker;
    private volatile boolean closed;

    /**
     * @param imageFloats floats of one image's pixel_values (3·S·S)
     * @param maxBatch    the most images one run takes
     * @param maxWait     how long the first image of a batch waits for others
     */
    public MicroBatcher(VisionBackend backend, int imageFloats, int maxBatch, Duration maxWait, BatchListener listener) {
        if (imageFloats < 1 || maxBatch < 1 || maxWait.isNegative()) {
            throw new IllegalArgumentException("image floats and max batch must be >= 1 and the wait >= 0, got "
                    + imageFloats + ", " + maxBatch + ", " + maxWait);
        }
        this.backend = backend;
        this.imageFloats = imageFloats;
        this.maxBatch = maxBatch;
        this.maxWaitNanos = maxWait.toNanos();
        this.listener = listener;
        this.worker = Thread.ofPlatform().name("osprey-vision-batcher").daemon().start(this::work);
    }

    /**
     * Encodes one image's pixel_values [3,S,S] in the next batch, waiting for the result.
     *
     * @throws OspreyException what the backend threw for the batch, or UNAVAILABLE once closed
     */
    public VisionFeatures encode(float[] pixelValues) {
        if (pixelValues.length != imageFloats) {
            throw new IllegalArgumentException("one image is " + imageFloats + " floats, got " + pixelValues.length);
        }
        if (closed) {
            throw shuttingDown();
        }
        Request request = new Request(pixelValues, new CompletableFuture<>());
        queue.add(request);
        if (closed) {
            // close() may have drained the queue before this request arrived.
            failPending(List.of());
        }
        try {
            return request.result().get();
        } catch (ExecutionException e) {
            throw e.getCause() instanceof RuntimeException failure ? failure : new OspreyException(Reason.INTERNAL,
                    "the vision backend failed: " + e.getCause(), e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new OspreyException(Reason.UNAVAILABLE, "interrupted while waiting for the vision tower", e);
        }
    }

    /** Images waiting for a batch. */
    public int queueDepth() {
        return queue.size();
    }

    private void work() {
        List<Request> batch = new ArrayList<>(maxBatch);
        while (!closed) {
            try {
                batch.add(queue.take());
                long deadline = System.nanoTime() + maxWaitNanos;
                while (batch.size() < maxBatch) {
                    long left = deadline - System.nanoTime();
                    Request next = left > 0 ? queue.poll(left, TimeUnit.NANOSECONDS) : queue.poll();
                    if (next == null) {
                        break;
                    }
                    batch.add(next);
                }
            } catch (InterruptedException e) {
                break;
            }
            run(batch);
            batch.clear();
        }
        failPending(batch);
    }

    private void run(List<Request> batch) {
        float[] pixelValues = new float[batch.size() * imageFloats];
        for (int i = 0; i < batch.size(); i++) {
            System.arraycopy(batch.get(i).pixelValues(), 0, pixelValues, i * imageFloats, imageFloats);
        }
        long start = System.nanoTime();
        List<VisionFeatures> features;
        try {
            features = backend.encode(pixelValues);
        } catch (RuntimeException | Error e) {
            listener.batchRan(batch.size(), System.nanoTime() - start, true);
            batch.forEach(request -> request.result().completeExceptionally(e));
            return;
        }
        listener.batchRan(batch.size(), System.nanoTime() - start, false);
        for (int i = 0; i < batch.size(); i++) {
            batch.get(i).result().complete(features.get(i));
        }
    }

    private void failPending(List<Request> batch) {
        List<Request> pending = new ArrayList<>(batch);
        queue.drainTo(pending);
        pending.forEach(request -> request.result().completeExceptionally(shuttingDown()));
    }

    private static OspreyException shuttingDown() {
        return new OspreyException(Reason.UNAVAILABLE, "the encoder is shutting down");
    }

    /** Stops the worker after its current batch; images still waiting fail with UNAVAILABLE. The backend stays open. */
    @Override
    public void close() {
        closed = true;
        worker.interrupt();
        try {
            worker.join(TimeUnit.SECONDS.toMillis(30));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        failPending(List.of());
    }
}
