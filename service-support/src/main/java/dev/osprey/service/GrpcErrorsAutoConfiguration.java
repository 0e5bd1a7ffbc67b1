package dev.osprey.service;

import io.micrometer.core.instrument.binder.grpc.GrpcObservationDocumentation;
import io.micrometer.core.instrument.binder.grpc.GrpcServerObservationContext;
import io.micrometer.observation.ObservationFilter;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.grpc.server.autoconfigure.exception.GrpcExceptionHandlerAutoConfiguration;
import org.springframework.context.annotation.Bean;
import org.springframework.core.Ordered;
import org.springframework.core.annotation.Order;
import org.springframework.grpc.server.GlobalServerInterceptor;
import org.springframework.grpc.server.exception.GrpcExceptionHandler;
import org.springframework.grpc.server.exception.GrpcExceptionHandlerInterceptor;

/**
 * Registers {@link GrpcErrorHandler} in every service that has this module: Spring gRPC then wraps
 * every call in its exception-handling interceptor (hence before its auto-configuration, which looks
 * for a handler bean). And names the calls that ended without the server closing them CANCELLED in
 * the gRPC server metrics and spans.
 */
@AutoConfiguration(before = GrpcExceptionHandlerAutoConfiguration.class)
public class GrpcErrorsAutoConfiguration {

    @Bean
    GrpcExceptionHandler grpcErrorHandler() {
        return new GrpcErrorHandler();
    }

    /**
     * Spring gRPC's exception-handling interceptor over {@link GrpcErrorHandler}, innermost (last in
     * order): the metrics and spans interceptor outside it then sees the status a failure closed its
     * call with, not the exception (which it recorded as {@code grpc_status_code="UNKNOWN"}).
     */
    @Bean
    @GlobalServerInterceptor
    @Order(Ordered.LOWEST_PRECEDENCE)
    GrpcExceptionHandlerInterceptor grpcErrorHandlerInterceptor(GrpcExceptionHandler grpcErrorHandler) {
        return new GrpcExceptionHandlerInterceptor(grpcErrorHandler);
    }

    /**
     * A call its client cancelled, or whose deadline passed, ends without a status from the server;
     * Micrometer's gRPC observation then records {@code grpc_status_code="UNKNOWN"}, which reads as a
     * server failure to the error-ratio alerts (every stop button of the web demo would count). Such a
     * call is CANCELLED, as its client was told.
     */
    @Bean
    ObservationFilter cancelledGrpcCalls() {
        return context -> {
            if (context instanceof GrpcServerObservationContext call && call.getStatusCode() == null) {
                call.addLowCardinalityKeyValue(GrpcObservationDocumentation.LowCardinalityKeyNames.STATUS_CODE.withValue("CANCELLED"));
            }
            return context;
        };
    }
}
