package dev.osprey.service;

import io.micrometer.context.ContextSnapshot;
import io.micrometer.context.ContextSnapshotFactory;
import io.micrometer.tracing.Span;
import io.micrometer.tracing.TraceContext;
import io.micrometer.tracing.Tracer;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * The spans of a request's stages (image decode, vision, extract, prefill, ...) as children of the
 * span of the call that runs them: live around work on the calling thread ({@link #run}), or recorded
 * afterwards from the instants a stage began and ended ({@link #record}), for stages that run where no
 * span can follow them (the llm-service's shared decode batch). Work handed to another thread keeps the
 * trace through {@link #carry}. With tracing off (no endpoint, see {@link TracingAutoConfiguration}) the
 * spans are never sampled: they cost a context object each, nothing is recorded or sent.
 */
public final class StageSpans {

    /** Spans nowhere: for classes built outside a Spring context (tests, benchmarks). */
    public static final StageSpans OFF = new StageSpans(Tracer.NOOP);

    private static final ContextSnapshotFactory SNAPSHOTS = ContextSnapshotFactory.builder().build();

    private final Tracer tracer;

    public StageSpans(Tracer tracer) {
        this.tracer = tracer;
    }

    /** Runs {@code stage} in a span {@code name}, a child of the current span; a failure marks the span. */
    public <T> T run(String name, Supplier<T> stage) {
        Span span = tracer.nextSpan().name(name).start();
        try (Tracer.SpanInScope scope = tracer.withSpan(span)) {
            return stage.get();
        } catch (RuntimeException | Error e) {
            span.error(e);
            throw e;
        } finally {
            span.end();
        }
    }

    /** Sets an attribute of the current span (the call's, or the stage's inside {@link #run}). */
    public void tag(String key, boolean value) {
        Span current = tracer.currentSpan();
        if (current != null) {
            current.tag(key, value);
        }
    }

    /** The current span's context, to {@link #record} stages under it later, from any thread; null outside a trace. */
    public TraceContext current() {
        Span current = tracer.currentSpan();
        return current == null ? null : current.context();
    }

    /**
     * Records a stage that has ended as a child of {@code parent} (nothing when null).
     *
     * @param start {@link System#nanoTime()} when it began
     * @param end   {@link System#nanoTime()} when it ended
     * @param tags  its attributes: numbers stay numbers, anything else is written as text
     */
    public void record(TraceContext parent, String name, long start, long end, Map<String, ?> tags) {
        if (parent == null) {
            return;
        }
        long nowNanos = System.nanoTime();
        Instant now = Instant.now();
        Span.Builder span = tracer.spanBuilder().setParent(parent).name(name)
                .startTimestamp(epochNanos(now, nowNanos, start), TimeUnit.NANOSECONDS);
        tags.forEach((key, value) -> {
            switch (value) {
                case Long n -> span.tag(key, n);
                case Integer n -> span.tag(key, n.longValue());
                case Double n -> span.tag(key, n);
                case Boolean b -> span.tag(key, b);
                default -> span.tag(key, String.valueOf(value));
            }
        });
        span.start().end(epochNanos(now, nowNanos, end), TimeUnit.NANOSECONDS);
    }

    /** {@code task} to run on another thread in the trace (and logging context) current here, now. */
    public static <T> Supplier<T> carry(Supplier<T> task) {
        ContextSnapshot here = SNAPSHOTS.captureAll();
        return () -> within(here, task);
    }

    /** As {@link #carry(Supplier)}, for a task that takes an argument. */
    public static <A, R> Function<A, R> carry(Function<A, R> task) {
        ContextSnapshot here = SNAPSHOTS.captureAll();
        return argument -> within(here, () -> task.apply(argument));
    }

    private static <T> T within(ContextSnapshot snapshot, Supplier<T> task) {
        try (ContextSnapshot.Scope scope = snapshot.setThreadLocals()) {
            return task.get();
        }
    }

    // The wall-clock time of a System.nanoTime() instant, in nanoseconds since the epoch.
    private static long epochNanos(Instant now, long nowNanos, long instantNanos) {
        return now.getEpochSecond() * 1_000_000_000L + now.getNano() - (nowNanos - instantNanos);
    }
}
