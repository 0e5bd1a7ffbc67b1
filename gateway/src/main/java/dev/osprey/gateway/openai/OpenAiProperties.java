package dev.osprey.gateway.openai;

import org.springframework.boot.context.properties.ConfigurationProperties;

/**
 * Settings of the OpenAI-compatible API ({@code osprey.gateway.openai.*}; defaults in application.properties).
 *
 * @param model              the model id {@code GET /v1/models} lists and requests name: the served bundle's
 * @param alphaMaskMaxPixels the largest image whose alpha channel is read as a region (the gateway decodes it)
 */
@ConfigurationProperties("osprey.gateway.openai")
public record OpenAiProperties(String model, long alphaMaskMaxPixels) {
}
