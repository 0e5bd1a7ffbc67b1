package dev.osprey.llm;

import java.time.Duration;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * Where the image tokens come from ({@code osprey.encoder.*}).
 *
 * @param address  the encoder-service (host:port) for requests that name none (default 127.0.0.1:9091)
 * @param deadline the longest an image-token call may take; the caller's own deadline, when earlier,
 *                 applies instead (default 30s)
 */
@ConfigurationProperties("osprey.encoder")
record EncoderProperties(@DefaultValue("127.0.0.1:9091") String address, @DefaultValue("30s") Duration deadline) {
}
