package dev.osprey.service;

import java.time.Duration;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * Where a service finds encoder-service, for the features and image tokens it serves
 * ({@code osprey.encoder.address} and {@code osprey.encoder.deadline}).
 *
 * @param address  the encoder-service (host:port) for requests that name none (default 127.0.0.1:9091)
 * @param deadline the longest a call to it may take; the caller's own deadline, when earlier,
 *                 applies instead (default 30s)
 */
@ConfigurationProperties("osprey.encoder")
public record EncoderProperties(@DefaultValue("127.0.0.1:9091") String address, @DefaultValue("30s") Duration deadline) {
}
