package dev.osprey.llm;

import dev.osprey.api.v1.StageTimings;
import dev.osprey.model.generate.Usage;
import dev.osprey.model.pipeline.Answer;
import dev.osprey.service.StageSpans;
import io.micrometer.tracing.TraceContext;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

/**
 * When the stages of one Generate call began and ended: the answers' {@link StageTimings} (queue,
 * image-token fetch, prefill, decode) that the gateway passes on, and the call's queue, prefill and
 * decode-loop spans, recorded at the end under the call's span since the shared decode batch runs on
 * a thread no span follows. Written as {@link AnswerStream} is, by one thread at a time.
 */
final class GenerationTimes {

    private final long received = System.nanoTime();
    private final StageSpans spans;
    // The call's span, current on the thread that received it.
    private final TraceContext call;
    private long prefillStart = -1;
    private long firstToken = -1;
    private long imageTokensNanos;

    GenerationTimes(StageSpans spans) {
        this.spans = spans;
        this.call = spans.current();
    }

    /** When the call arrived, {@link System#nanoTime()}. */
    long received() {
        return received;
    }

    /** The prefill got its turn now. */
    void prefillStarted() {
        prefillStart = System.nanoTime();
    }

    /** A token was generated at {@code now}; the first one ends the prefill. */
    void token(long now) {
        if (firstToken < 0) {
            firstToken = now;
        }
    }

    /** {@code fetch} (of the image tokens from the encoder), its time counted as encoding rather than prefill. */
    <T> Supplier<T> fetching(Supplier<T> fetch) {
        return () -> {
            long start = System.nanoTime();
            try {
                return fetch.get();
            } finally {
                imageTokensNanos += System.nanoTime() - start;
            }
        };
    }

    /** The stage timings of an answer that ended with {@code usage}, the call ending {@code end}. */
    StageTimings timings(Usage usage, long end) {
        long turn = turn(end);
        long prefill = Math.max(0, firstToken(end) - turn - imageTokensNanos);
        long decode = usage.completionTokens() == 0 ? 0 : usage.total().minus(usage.timeToFirstToken()).toNanos();
        return StageTimings.newBuilder().setQueueMs(millis(turn - received)).setEncodeMs(millis(imageTokensNanos))
                .setPrefillMs(millis(prefill)).setDecodeMs(millis(Math.max(0, decode))).build();
    }

    /** Records the call's queue, prefill and decode-loop spans, the call ending {@code end} with {@code answers}. */
    void record(List<Answer> answers, long end) {
        if (answers.isEmpty()) {
            return;
        }
        long turn = turn(end);
        long first = firstToken(end);
        Usage usage = answers.getFirst().usage();
        spans.record(call, "queue", received, turn, Map.of());
        spans.record(call, "prefill", turn, first, Map.of("osprey.prompt_tokens", usage.promptTokens(),
                "osprey.cached_prompt_tokens", usage.cachedPromptTokens(), "osprey.prefix_cache.hit", usage.cachedPromptTokens() > 0,
                "osprey.sequences", answers.size(), "osprey.image_tokens_fetch_ms", millis(imageTokensNanos)));
        if (firstToken >= 0) {
            spans.record(call, "decode-loop", first, end, Map.of("osprey.completion_tokens",
                    answers.stream().mapToInt(answer -> answer.usage().completionTokens()).sum(), "osprey.sequences", answers.size()));
        }
    }

    // A call cancelled before its prefill's turn waited until it ended.
    private long turn(long end) {
        return prefillStart >= 0 ? prefillStart : end;
    }

    private long firstToken(long end) {
        return firstToken >= 0 ? firstToken : end;
    }

    private static double millis(long nanos) {
        return nanos / 1e6;
    }
}
