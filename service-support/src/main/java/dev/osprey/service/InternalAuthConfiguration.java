package dev.osprey.service;

import io.grpc.ServerBuilder;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.env.Environment;
import org.springframework.grpc.server.ServerBuilderCustomizer;

/**
 * Protects a backend's gRPC server (imported by encoder, extractor and llm-service; the gateway's API
 * is public): with an internal token every call but the health check must carry it; without one the
 * backend must listen on loopback only, or startup fails (see {@link InternalListeners}).
 */
@Configuration(proxyBeanMethods = false)
@EnableConfigurationProperties(InternalProperties.class)
public class InternalAuthConfiguration {

    @Bean
    <T extends ServerBuilder<T>> ServerBuilderCustomizer<T> internalTokenCheck(InternalProperties internal, Environment environment) {
        Optional<InternalToken> token = internal.secret();
        InternalListeners.requireProtected(token.isPresent(), internal.allowUnauthenticated(), listeners(environment));
        return builder -> token.ifPresent(secret -> builder.intercept(new InternalTokenInterceptor(secret)));
    }

    // The hosts Spring gRPC and the web server bind, as their own settings name them.
    private static Map<String, String> listeners(Environment environment) {
        Map<String, String> listeners = new LinkedHashMap<>();
        String grpcAddress = environment.getProperty("spring.grpc.server.address");
        if (grpcAddress != null) {
            listeners.put("spring.grpc.server.address", grpcAddress.substring(0, Math.max(grpcAddress.lastIndexOf(':'), 0)));
        } else {
            listeners.put("spring.grpc.server.host", environment.getProperty("spring.grpc.server.host", "*"));
        }
        listeners.put("server.address", environment.getProperty("server.address"));
        return listeners;
    }
}
