package dev.osprey.service;

import static org.assertj.core.api.Assertions.assertThat;

import io.opentelemetry.sdk.trace.samplers.Sampler;
import org.junit.jupiter.api.Test;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.micrometer.tracing.opentelemetry.autoconfigure.OpenTelemetryTracingAutoConfiguration;
import org.springframework.boot.micrometer.tracing.opentelemetry.autoconfigure.otlp.OtlpTracingAutoConfiguration;
import org.springframework.boot.opentelemetry.autoconfigure.OpenTelemetrySdkAutoConfiguration;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

/** Traces are off (nothing sampled, no exporter) unless an OTLP endpoint is set; then Boot samples and exports. */
class TracingAutoConfigurationTest {

    private final ApplicationContextRunner context = new ApplicationContextRunner()
            .withConfiguration(AutoConfigurations.of(TracingAutoConfiguration.class, OpenTelemetrySdkAutoConfiguration.class,
                    OpenTelemetryTracingAutoConfiguration.class, OtlpTracingAutoConfiguration.class))
            .withPropertyValues("management.tracing.sampling.probability=1.0");

    @Test
    void withoutAnEndpointNothingIsSampledOrExported() {
        context.run(started -> {
            assertThat(started.getBean(Sampler.class)).isEqualTo(Sampler.alwaysOff());
            assertThat(started).doesNotHaveBean(io.opentelemetry.sdk.trace.export.SpanExporter.class);
            assertThat(started).hasSingleBean(StageSpans.class);
        });
    }

    @Test
    void anEndpointTurnsSamplingAndTheOtlpExporterOn() {
        context.withPropertyValues(TracingAutoConfiguration.ENDPOINT + "=http://127.0.0.1:4318/v1/traces").run(started -> {
            assertThat(started.getBean(Sampler.class).getDescription()).contains("TraceIdRatioBased{1.000000}");
            assertThat(started).hasSingleBean(io.opentelemetry.exporter.otlp.http.trace.OtlpHttpSpanExporter.class);
        });
    }
}
