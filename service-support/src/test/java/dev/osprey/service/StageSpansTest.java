package dev.osprey.service;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.micrometer.tracing.Span;
import io.micrometer.tracing.Tracer;
import io.micrometer.tracing.otel.bridge.OtelCurrentTraceContext;
import io.micrometer.tracing.otel.bridge.OtelTracer;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.sdk.common.CompletableResultCode;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.sdk.trace.export.SimpleSpanProcessor;
import io.opentelemetry.sdk.trace.export.SpanExporter;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Stage spans on the OpenTelemetry SDK through Micrometer's bridge, as the services run them. */
class StageSpansTest {

    private final List<SpanData> exported = new CopyOnWriteArrayList<>();
    private final SdkTracerProvider provider = SdkTracerProvider.builder().addSpanProcessor(SimpleSpanProcessor.create(new SpanExporter() {
        @Override
        public CompletableResultCode export(Collection<SpanData> spans) {
            exported.addAll(spans);
            return CompletableResultCode.ofSuccess();
        }

        @Override
        public CompletableResultCode flush() {
            return CompletableResultCode.ofSuccess();
        }

        @Override
        public CompletableResultCode shutdown() {
            return CompletableResultCode.ofSuccess();
        }
    })).build();
    private final Tracer tracer = new OtelTracer(provider.get("test"), new OtelCurrentTraceContext(), event -> { });
    private final StageSpans spans = new StageSpans(tracer);

    @AfterEach
    void close() {
        provider.close();
    }

    @Test
    void aStageRunsInAChildOfTheCurrentSpanAndTagsIt() {
        Span call = tracer.nextSpan().name("call").start();
        try (Tracer.SpanInScope scope = tracer.withSpan(call)) {
            assertThat(spans.run("vision", () -> {
                spans.tag("osprey.feature_cache.hit", false);
                return 42;
            })).isEqualTo(42);
        } finally {
            call.end();
        }

        SpanData vision = named("vision");
        assertThat(vision.getParentSpanId()).isEqualTo(call.context().spanId());
        assertThat(vision.getTraceId()).isEqualTo(call.context().traceId());
        assertThat(vision.getAttributes().get(AttributeKey.booleanKey("osprey.feature_cache.hit"))).isFalse();
    }

    @Test
    void aStageThatFailsMarksItsSpan() {
        assertThatThrownBy(() -> spans.run("image-decode", () -> {
            throw new IllegalArgumentException("not an image");
        })).hasMessage("not an image");

        assertThat(named("image-decode").getStatus().getStatusCode()).isEqualTo(StatusCode.ERROR);
    }

    @Test
    void aStageRecordedAfterwardsHasItsOwnTimesParentAndAttributes() {
        Span call = tracer.nextSpan().name("call").start();
        long start;
        try (Tracer.SpanInScope scope = tracer.withSpan(call)) {
            start = System.nanoTime();
            spans.record(spans.current(), "prefill", start, start + TimeUnit.MILLISECONDS.toNanos(250),
                    Map.of("osprey.prompt_tokens", 1093, "osprey.prefix_cache.hit", true, "osprey.fetch_ms", 1.5));
        } finally {
            call.end();
        }

        SpanData prefill = named("prefill");
        assertThat(prefill.getParentSpanId()).isEqualTo(call.context().spanId());
        assertThat(prefill.getEndEpochNanos() - prefill.getStartEpochNanos()).isEqualTo(TimeUnit.MILLISECONDS.toNanos(250));
        assertThat(prefill.getAttributes().get(AttributeKey.longKey("osprey.prompt_tokens"))).isEqualTo(1093L);
        assertThat(prefill.getAttributes().get(AttributeKey.booleanKey("osprey.prefix_cache.hit"))).isTrue();
        assertThat(prefill.getAttributes().get(AttributeKey.doubleKey("osprey.fetch_ms"))).isEqualTo(1.5);
    }

    @Test
    void nothingIsRecordedOutsideATrace() {
        spans.record(spans.current(), "decode-loop", 0, 1, Map.of());

        assertThat(spans.current()).isNull();
        assertThat(exported).isEmpty();
    }

    private SpanData named(String name) {
        return exported.stream().filter(span -> span.getName().equals(name)).findFirst().orElseThrow();
    }
}
