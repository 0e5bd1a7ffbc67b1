package dev.osprey.service;

import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.grpc.server.autoconfigure.exception.GrpcExceptionHandlerAutoConfiguration;
import org.springframework.context.annotation.Bean;
import org.springframework.grpc.server.exception.GrpcExceptionHandler;

/**
 * Registers {@link GrpcErrorHandler} in every service that has this module: Spring gRPC then wraps
 * every call in its exception-handling interceptor (hence before its auto-configuration, which looks
 * for a handler bean).
 */
@AutoConfiguration(before = GrpcExceptionHandlerAutoConfiguration.class)
public class GrpcErrorsAutoConfiguration {

    @Bean
    GrpcExceptionHandler grpcErrorHandler() {
        return new GrpcErrorHandler();
    }
}
