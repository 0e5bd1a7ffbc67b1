package dev.osprey.encoder;

import dev.osprey.encoder.sam.EmbeddingListener;
import dev.osprey.encoder.sam.SamEmbeddings;
import dev.osprey.service.CacheMeters;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.util.EnumMap;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * Segment Anything's Micrometer meters: {@code osprey.segment.duration} per Segmenter call (tags
 * {@code rpc}=segment|segment_all|prepare_image, {@code outcome}; a Segment whose embedding was cached is
 * a prompt decode, the rest includes the image encoder), {@code osprey.sam.embed.duration} per image
 * encoder run (tags {@code backend}, {@code outcome}) and the cache meters of {@link CacheMeters} for
 * {@code cache}=sam_embeddings.
 */
final class SamMetrics implements EmbeddingListener {

    /** The timed Segmenter calls. */
    enum Call {
        SEGMENT, SEGMENT_ALL, PREPARE_IMAGE
    }

    private final MeterRegistry registry;
    private final Map<Call, Timer> succeeded = new EnumMap<>(Call.class);
    private final Map<Call, Timer> failed = new EnumMap<>(Call.class);
    private final Timer embedSucceeded;
    private final Timer embedFailed;

    SamMetrics(MeterRegistry registry, String backend) {
        this.registry = registry;
        for (Call call : Call.values()) {
            succeeded.put(call, callTimer(call, "success"));
            failed.put(call, callTimer(call, "failure"));
        }
        this.embedSucceeded = embedTimer(backend, "success");
        this.embedFailed = embedTimer(backend, "failure");
    }

    private Timer callTimer(Call call, String outcome) {
        return Timer.builder("osprey.segment.duration").description("Time of one Segmenter call")
                .tags("rpc", call.name().toLowerCase(Locale.ROOT), "outcome", outcome).publishPercentileHistogram().register(registry);
    }

    private Timer embedTimer(String backend, String outcome) {
        return Timer.builder("osprey.sam.embed.duration").description("Time of one SAM image encoder run")
                .tags("backend", backend, "outcome", outcome).publishPercentileHistogram().register(registry);
    }

    /** Runs {@code work}, timed as {@code call}. */
    <T> T time(Call call, Supplier<T> work) {
        long start = System.nanoTime();
        boolean failure = true;
        try {
            T result = work.get();
            failure = false;
            return result;
        } finally {
            (failure ? failed : succeeded).get(call).record(System.nanoTime() - start, TimeUnit.NANOSECONDS);
        }
    }

    @Override
    public void embedded(long nanos, boolean failure) {
        (failure ? embedFailed : embedSucceeded).record(nanos, TimeUnit.NANOSECONDS);
    }

    /** Registers the meters of the embedding cache and of the embeddings waiting for their turn. */
    void bind(SamEmbeddings embeddings) {
        CacheMeters.bind(registry, "sam_embeddings", embeddings.cache());
        Gauge.builder("osprey.queue.depth", embeddings, SamEmbeddings::queueDepth)
                .description("SAM image embeddings waiting for their turn").tag("queue", "sam_embed").register(registry);
    }
}
