package dev.osprey.llm;

import dev.osprey.model.generate.DecodeLoop;
import dev.osprey.model.generate.Usage;
import dev.osprey.model.pipeline.ChatModel;
import dev.osprey.model.pipeline.RegionChat;
import dev.osprey.service.CacheMeters;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The llm-service's meters: generation timings and token counts as the calls report them, and
 * gauges and counters read from the plain classes (queue, shared decoding batch, prefix cache,
 * decoder). Token rates are the rates of {@code osprey.generate.tokens}; the mean batch over a window
 * is the rate of {@code osprey.generate.batch.rows} over that of {@code osprey.generate.batch.steps}.
 */
final class LlmMetrics implements GenerationMetrics {

    private final AtomicInteger activeSequences = new AtomicInteger();
    private final Timer firstToken;
    private final Timer interToken;
    private final Counter prefillTokens;
    private final Counter cachedTokens;
    private final Counter decodeTokens;

    LlmMetrics(MeterRegistry registry, ChatModel chat, GenerationQueue queue, WarmUps warmUps) {
        firstToken = Timer.builder("osprey.generate.ttft").description("From a Generate call's arrival to its first token")
                .publishPercentileHistogram().register(registry);
        interToken = Timer.builder("osprey.generate.inter_token").description("Between consecutive tokens of one sequence")
                .publishPercentileHistogram().register(registry);
        prefillTokens = tokens(registry, "prefill", "Prompt positions computed by a prefill");
        cachedTokens = tokens(registry, "cached", "Prompt positions taken from the prefix cache");
        decodeTokens = tokens(registry, "decode", "Generated tokens");
        Gauge.builder("osprey.generate.sequences.active", activeSequences, AtomicInteger::get)
                .description("Sequences generating now (a task's regions count one each)").register(registry);
        Gauge.builder("osprey.generate.requests.active", queue, GenerationQueue::running)
                .description("Generate calls running on a worker").register(registry);
        Gauge.builder("osprey.queue.depth", queue, GenerationQueue::waiting).tag("queue", "generate")
                .description("Admitted Generate calls waiting for a worker").register(registry);
        FunctionCounter.builder("osprey.generate.rejected", queue, GenerationQueue::rejected)
                .description("Generate calls refused with RESOURCE_EXHAUSTED").register(registry);
        warmUps(registry, warmUps);
        // The decoder's own meters exist where it runs in this process; Triton reports its engine's.
        if (chat instanceof RegionChat local) {
            decoder(registry, local);
        }
    }

    private static void decoder(MeterRegistry registry, RegionChat chat) {
        FunctionCounter.builder("osprey.decoder.runs", chat, RegionChat::decoderRuns)
                .description("Decoder graph runs (one per step for a whole batch)").register(registry);
        if (chat.decodeLoop() != null) {
            batch(registry, chat.decodeLoop());
        }
        if (chat.prefixCache() != null) {
            CacheMeters.bind(registry, "prefix", chat.prefixCache());
        }
    }

    private static void warmUps(MeterRegistry registry, WarmUps warmUps) {
        Gauge.builder("osprey.queue.depth", warmUps, WarmUps::queued).tag("queue", "warm_up")
                .description("Image warm-ups waiting to run").register(registry);
        Gauge.builder("osprey.warm_up.running", warmUps, WarmUps::running).description("Image warm-ups running now (0 or 1)")
                .register(registry);
        for (WarmUps.Outcome outcome : WarmUps.Outcome.values()) {
            FunctionCounter.builder("osprey.warm_up.done", warmUps, w -> w.done(outcome)).tag("result", label(outcome))
                    .description("Image warm-ups that ran: the prefix computed, found cached already, or failed").register(registry);
        }
        for (WarmUps.Drop reason : WarmUps.Drop.values()) {
            FunctionCounter.builder("osprey.warm_up.dropped", warmUps, w -> w.dropped(reason)).tag("reason", label(reason))
                    .description("Image warm-ups dropped: the oldest when the queue was full, or cancelled as their image was deleted")
                    .register(registry);
        }
    }

    private static void batch(MeterRegistry registry, DecodeLoop loop) {
        Gauge.builder("osprey.generate.batch.running", loop, DecodeLoop::running)
                .description("Sequences decoding in the shared batch now").register(registry);
        Gauge.builder("osprey.queue.depth", loop, DecodeLoop::waiting).tag("queue", "batch")
                .description("Prefilled sequences waiting for room in the shared batch").register(registry);
        FunctionCounter.builder("osprey.generate.batch.steps", loop, DecodeLoop::steps)
                .description("Decoder runs of the shared batch, one per step").register(registry);
        FunctionCounter.builder("osprey.generate.batch.rows", loop, DecodeLoop::stepRows)
                .description("Sequences stepped, summed over the shared batch's steps: rows / steps is the mean batch").register(registry);
    }

    private static String label(Enum<?> value) {
        return value.name().toLowerCase(Locale.ROOT);
    }

    private static Counter tokens(MeterRegistry registry, String phase, String description) {
        return Counter.builder("osprey.generate.tokens").tag("phase", phase).description(description).baseUnit("tokens")
                .register(registry);
    }

    @Override
    public void activeSequences(int delta) {
        activeSequences.addAndGet(delta);
    }

    @Override
    public void firstToken(long nanos) {
        firstToken.record(nanos, TimeUnit.NANOSECONDS);
    }

    @Override
    public void interToken(long nanos) {
        interToken.record(nanos, TimeUnit.NANOSECONDS);
    }

    @Override
    public void answered(Usage usage) {
        prefillTokens.increment(usage.promptTokens() - usage.cachedPromptTokens());
        cachedTokens.increment(usage.cachedPromptTokens());
        decodeTokens.increment(usage.completionTokens());
    }
}
