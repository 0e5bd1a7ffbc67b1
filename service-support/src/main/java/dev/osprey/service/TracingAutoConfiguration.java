package dev.osprey.service;

import io.grpc.health.v1.HealthGrpc;
import io.micrometer.tracing.Tracer;
import io.micrometer.tracing.exporter.SpanExportingPredicate;
import io.opentelemetry.sdk.trace.samplers.Sampler;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.micrometer.tracing.opentelemetry.autoconfigure.OpenTelemetryTracingAutoConfiguration;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Condition;
import org.springframework.context.annotation.ConditionContext;
import org.springframework.context.annotation.Conditional;
import org.springframework.core.type.AnnotatedTypeMetadata;
import org.springframework.util.StringUtils;

/**
 * Traces in every service (docs/observability.md), OFF unless an OTLP endpoint is configured
 * ({@value #ENDPOINT}, e.g. the environment variable
 * {@code MANAGEMENT_OPENTELEMETRY_TRACING_EXPORT_OTLP_ENDPOINT}). How it is off: Spring Boot creates the
 * OTLP span exporter only when that endpoint is set, and without it this configuration replaces Boot's
 * sampler by one that samples nothing, so no span is ever recorded or exported and no connection is
 * made. Trace ids are still made and passed on (W3C {@code traceparent}) between the services, so the
 * logs and the error bodies of one request name one id in every service. With an endpoint, Boot's
 * sampler samples {@code management.tracing.sampling.probability} of the requests (1.0 by default, in
 * osprey-service-defaults.properties).
 */
@AutoConfiguration(before = OpenTelemetryTracingAutoConfiguration.class)
@ConditionalOnClass(Sampler.class)
public class TracingAutoConfiguration {

    /** The property whose value turns tracing on: the collector's OTLP/HTTP URL, e.g. http://collector:4318/v1/traces. */
    public static final String ENDPOINT = "management.opentelemetry.tracing.export.otlp.endpoint";

    @Bean
    @Conditional(NoEndpoint.class)
    Sampler tracingOff() {
        return Sampler.alwaysOff();
    }

    /**
     * Probes and Prometheus scrapes (Actuator over HTTP, the gRPC health check), every few seconds on every
     * replica, are not worth a trace each: their spans are not exported.
     */
    @Bean
    SpanExportingPredicate noProbeSpans() {
        return span -> !span.getTags().getOrDefault("uri", "").startsWith("/actuator")
                && !span.getName().startsWith(HealthGrpc.SERVICE_NAME + "/");
    }

    @Bean
    StageSpans stageSpans(ObjectProvider<Tracer> tracer) {
        return new StageSpans(tracer.getIfAvailable(() -> Tracer.NOOP));
    }

    /** Matches when no OTLP endpoint is set. */
    static final class NoEndpoint implements Condition {
        @Override
        public boolean matches(ConditionContext context, AnnotatedTypeMetadata metadata) {
            return !StringUtils.hasText(context.getEnvironment().getProperty(ENDPOINT));
        }
    }
}
