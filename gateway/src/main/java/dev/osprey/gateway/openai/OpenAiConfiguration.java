package dev.osprey.gateway.openai;

import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Configuration;

/** Binds {@link OpenAiProperties}; the controller and the error shape are components found by scanning. */
@Configuration(proxyBeanMethods = false)
@EnableConfigurationProperties(OpenAiProperties.class)
class OpenAiConfiguration {
}
