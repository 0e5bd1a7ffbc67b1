package dev.osprey.gateway.access;

import static org.assertj.core.api.Assertions.assertThat;

import dev.osprey.gateway.GatewayApplication;
import dev.osprey.gateway.RawHttpConnection;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.springframework.boot.SpringApplication;
import org.springframework.context.ConfigurableApplicationContext;

/** The rate limit counts every spelling of a route against the same client, as the key check does. */
class AccessRateTest {

    static ConfigurableApplicationContext app;
    static int port;

    @BeforeAll
    static void start() throws Exception {
        port = AccessSweepTest.freePort();
        // No keys (the API is open, limited per address); a burst of 3 that refills far slower than the test runs.
        app = SpringApplication.run(GatewayApplication.class, "--server.port=" + port, "--spring.grpc.server.port=" + AccessSweepTest.freePort(),
                "--management.server.port=" + AccessSweepTest.freePort(), "--osprey.gateway.rate-per-second=0.0001",
                "--osprey.gateway.rate-burst=3");
    }

    @AfterAll
    static void stop() {
        app.close();
    }

    @Test
    void encodedSpellingsTakeFromTheSameBucket() throws Exception {
        Map<String, String> json = Map.of("Content-Type", "application/json");
        byte[] body = "{}".getBytes(StandardCharsets.UTF_8);
        for (String path : new String[] {"/%76%31/chat", "/v1;x=1/chat", "/v1/%63hat"}) {
            assertThat(RawHttp.send(port, "POST", path, json, body).status()).as(path).isEqualTo(400);
        }
        RawHttpConnection.Response limited = RawHttp.send(port, "POST", "/v1/chat;a=b", json, body);
        assertThat(limited.status()).isEqualTo(429);
        assertThat(limited.rest()).contains("over the rate limit");
        assertThat(RawHttp.send(port, "GET", "/", Map.of(), new byte[0]).status()).as("the demo page is not limited").isEqualTo(200);
    }
}
