package dev.osprey.service;

import java.time.Duration;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * Where a service finds encoder-service, for the features and image tokens it serves
 * ({@code osprey.encoder-client.*}; {@code osprey.encoder.*} are encoder-service's own settings).
 *
 * @param address    the encoder-service (host:port) for requests that name none (default 127.0.0.1:9091)
 * @param replicas   the encoders a request may name, as the gateway's {@code osprey.gateway.encoders}: host:port,... or
 *                   dns:///headless-service:port (default: {@code address} alone); any other is refused unconnected
 * @param dnsRefresh how often a dns:/// replica list is resolved again (default 10s)
 * @param deadline   the longest a call to it may take; the caller's own deadline, when earlier,
 *                   applies instead (default 30s)
 */
@ConfigurationProperties("osprey.encoder-client")
public record EncoderClientProperties(@DefaultValue("127.0.0.1:9091") String address, String replicas, @DefaultValue("10s") Duration dnsRefresh,
        @DefaultValue("30s") Duration deadline) {

    public EncoderClientProperties {
        replicas = replicas == null || replicas.isBlank() ? address : replicas;
    }

    /** The encoder replicas a request may name. */
    public Replicas replicaSet() {
        return Replicas.parse("encoder-service", replicas, dnsRefresh.toMillis());
    }
}
