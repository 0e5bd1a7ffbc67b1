package dev.osprey.gateway.flow;

import dev.osprey.internal.v1.ExtractResponse;
import reactor.core.publisher.Mono;

/**
 * The stages of one question that the gateway itself waits for before generation: the upload of an
 * image sent with the question and the Extract call (less the extractor's wait for features, which
 * counts as encoding). With what llm-service reports for its own stages it makes each answer's
 * {@link StageTimings}. Read while the question runs, so that a stream's response headers can say
 * what is known by then ({@link #serverTimingSoFar}). Thread-safe.
 */
public final class StageClock {

    private double encodeMs;
    private double extractMs;

    /** {@code upload} timed as encoding, from subscription to its value. */
    <T> Mono<T> encoding(Mono<T> upload) {
        return Mono.defer(() -> {
            long start = System.nanoTime();
            return upload.doOnNext(done -> add(millisSince(start), 0));
        });
    }

    /** {@code extract} timed as extraction, its wait for features ({@code features_ms}) as encoding. */
    Mono<ExtractResponse> extracting(Mono<ExtractResponse> extract) {
        return Mono.defer(() -> {
            long start = System.nanoTime();
            return extract.doOnNext(done -> add(done.getFeaturesMs(), Math.max(0, millisSince(start) - done.getFeaturesMs())));
        });
    }

    /** An answer's timings: llm-service's {@code reported} ones with the gateway's encode and extract added. */
    synchronized dev.osprey.api.v1.StageTimings complete(dev.osprey.api.v1.StageTimings reported) {
        return reported.toBuilder().setEncodeMs(reported.getEncodeMs() + encodeMs).setExtractMs(reported.getExtractMs() + extractMs).build();
    }

    /** A {@code Server-Timing} header value for the stages measured so far: encode and extract. */
    public synchronized String serverTimingSoFar() {
        return StageTimings.entry("encode", encodeMs) + ", " + StageTimings.entry("extract", extractMs);
    }

    private synchronized void add(double encode, double extract) {
        encodeMs += encode;
        extractMs += extract;
    }

    private static double millisSince(long start) {
        return (System.nanoTime() - start) / 1e6;
    }
}
