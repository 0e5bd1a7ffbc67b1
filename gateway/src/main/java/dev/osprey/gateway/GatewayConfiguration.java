package dev.osprey.gateway;

import dev.osprey.gateway.access.Access;
import dev.osprey.gateway.access.AccessInterceptor;
import dev.osprey.gateway.access.AccessWebFilter;
import dev.osprey.gateway.access.ApiKeys;
import dev.osprey.gateway.access.RateLimiter;
import dev.osprey.gateway.flow.AskLimits;
import dev.osprey.gateway.flow.Backends;
import dev.osprey.gateway.flow.DescribeLimits;
import dev.osprey.gateway.flow.RegionAsks;
import dev.osprey.gateway.flow.SamAsks;
import dev.osprey.gateway.flow.Segmentations;
import dev.osprey.gateway.grpc.RegionGrpcService;
import dev.osprey.gateway.grpc.RequestIdInterceptor;
import dev.osprey.service.InternalProperties;
import dev.osprey.service.PeerChannels;
import dev.osprey.service.Replicas;
import io.grpc.BindableService;
import io.grpc.ServerInterceptor;
import io.micrometer.observation.ObservationRegistry;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.webflux.autoconfigure.WebHttpHandlerBuilderCustomizer;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.annotation.AnnotationAwareOrderComparator;
import org.springframework.grpc.server.GlobalServerInterceptor;

/**
 * Wires the gateway's plain parts from {@link GatewayProperties}; its calls to the backends carry the
 * internal token and the request's trace context. The REST shell's classes, which Spring knows by their kind (the controllers, the
 * request-id filter, the error handler), are components found by scanning, as a WebFlux test slice
 * finds them; they take {@link RegionAsks}, {@link SamAsks} and the limits from here.
 */
@Configuration(proxyBeanMethods = false)
@EnableConfigurationProperties({GatewayProperties.class, InternalProperties.class})
class GatewayConfiguration {

    @Bean(destroyMethod = "close")
    PeerChannels peerChannels(InternalProperties internal, ObservationRegistry observations) {
        return new PeerChannels(internal.secret(), observations);
    }

    @Bean
    AskLimits askLimits(GatewayProperties properties) {
        return properties.limits().toAskLimits(properties.maxImageSize());
    }

    @Bean
    DescribeLimits describeLimits(GatewayProperties properties) {
        return properties.describeAll().toDescribeLimits(properties.limits());
    }

    @Bean
    Backends backends(GatewayProperties properties, PeerChannels channels) {
        long refresh = properties.dnsRefresh().toMillis();
        return new Backends(channels::channel,
                Replicas.parse("encoder-service", properties.encoders(), refresh),
                Replicas.parse("extractor-service", properties.extractors(), refresh),
                Replicas.parse("llm-service", properties.llms(), refresh));
    }

    @Bean
    Segmentations segmentations(Backends backends) {
        return new Segmentations(backends);
    }

    @Bean
    RegionAsks regionAsks(GatewayProperties properties, Backends backends, Segmentations segmentations, AskLimits limits) {
        return new RegionAsks(backends, segmentations, limits, properties.warmUp());
    }

    @Bean
    SamAsks samAsks(RegionAsks asks, Segmentations segmentations, AskLimits limits, DescribeLimits describe) {
        return new SamAsks(asks, segmentations, limits, describe);
    }

    @Bean
    BindableService regionGrpcService(RegionAsks asks, SamAsks sam) {
        return new RegionGrpcService(asks, sam);
    }

    @Bean
    Access access(GatewayProperties properties) {
        return new Access(new ApiKeys(properties.apiKeys()), new RateLimiter(properties.ratePerSecond(), properties.rateBurst()));
    }

    /**
     * The access check on the public port's handler only: a WebFilter bean would be applied to the
     * management port's handler too, and Prometheus and the probes there need no key.
     */
    @Bean
    WebHttpHandlerBuilderCustomizer accessCheck(Access access, GatewayProperties properties) {
        AccessWebFilter filter = new AccessWebFilter(access, properties.apiDocsPrivate());
        return builder -> builder.filters(filters -> {
            filters.add(filter);
            AnnotationAwareOrderComparator.sort(filters);
        });
    }

    @Bean
    @GlobalServerInterceptor
    ServerInterceptor accessInterceptor(Access access) {
        return new AccessInterceptor(access);
    }

    @Bean
    @GlobalServerInterceptor
    ServerInterceptor requestIdInterceptor() {
        return new RequestIdInterceptor();
    }
}
