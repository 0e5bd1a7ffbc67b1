package dev.osprey.gateway.rest;

import static org.assertj.core.api.Assertions.assertThat;

import dev.osprey.service.ServiceException;
import java.io.IOException;
import org.junit.jupiter.api.Test;
import org.springframework.mock.http.server.reactive.MockServerHttpRequest;
import org.springframework.mock.web.server.MockServerWebExchange;
import tools.jackson.databind.json.JsonMapper;

/** A client that left is 499; a backend that died mid-call is the backend's failure, whatever its cause says. */
class ApiErrorHandlerTest {

    private final ApiErrorHandler handler = new ApiErrorHandler(JsonMapper.builder().build());

    @Test
    void aBackendResetIsA503NamingTheBackendNotAClientThatLeft() {
        MockServerWebExchange exchange = MockServerWebExchange.from(MockServerHttpRequest.post("/v1/images/x/ask"));
        handler.handle(exchange, ServiceException.unavailable("encoder-service", new IOException("Connection reset by peer"))).block();
        assertThat(exchange.getResponse().getStatusCode().value()).isEqualTo(503);
        assertThat(exchange.getResponse().getBodyAsString().block()).contains("encoder-service is unavailable");
    }

    @Test
    void aClientThatClosedTheConnectionIs499WithNoBody() {
        MockServerWebExchange exchange = MockServerWebExchange.from(MockServerHttpRequest.post("/v1/images"));
        handler.handle(exchange, new IOException("Broken pipe")).block();
        assertThat(exchange.getResponse().getStatusCode().value()).isEqualTo(499);
    }
}
