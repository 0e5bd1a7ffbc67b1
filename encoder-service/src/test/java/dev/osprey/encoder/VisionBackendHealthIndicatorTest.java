package dev.osprey.encoder;

import static org.assertj.core.api.Assertions.assertThat;

import dev.osprey.encoder.triton.KserveClient;
import dev.osprey.encoder.triton.TritonVisionBackend;
import dev.osprey.encoder.vision.EmbeddedVisionBackend;
import dev.osprey.model.TinyBundle;
import dev.osprey.model.vision.OnnxVisionTower;
import dev.osprey.model.vision.TritonRepository;
import java.io.IOException;
import java.net.ServerSocket;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.Status;

/** Readiness follows the backend: the loaded embedded model is up; a Triton that does not answer is down, naming its address. */
class VisionBackendHealthIndicatorTest {

    @Test
    void theEmbeddedModelIsUpOnceLoaded() {
        try (EmbeddedVisionBackend backend = new EmbeddedVisionBackend(OnnxVisionTower.open(TinyBundle.open().visionModel(), 1))) {
            Health health = new VisionBackendHealthIndicator(backend).health();
            assertThat(health.getStatus()).isEqualTo(Status.UP);
            assertThat(health.getDetails()).containsEntry("backend", "embedded");
        }
    }

    @Test
    void aTritonThatDoesNotAnswerIsDownAndNamed() throws IOException {
        int closedPort;
        try (ServerSocket socket = new ServerSocket(0)) {
            closedPort = socket.getLocalPort();
        }
        String address = "localhost:" + closedPort;
        KserveClient client = new KserveClient(address, Duration.ofSeconds(2), new KserveClient.Retry(1, Duration.ZERO, Duration.ZERO));
        try (TritonVisionBackend backend = new TritonVisionBackend(client, TritonRepository.MODEL_NAME, TritonRepository.VERSION, 512)) {
            Health health = new VisionBackendHealthIndicator(backend).health();
            assertThat(health.getStatus()).isEqualTo(Status.DOWN);
            assertThat(health.getDetails()).containsEntry("backend", "triton").containsEntry("address", address);
        }
    }
}
