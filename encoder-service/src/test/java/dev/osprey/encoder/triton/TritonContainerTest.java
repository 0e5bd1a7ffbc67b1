package dev.osprey.encoder.triton;

import static org.assertj.core.api.Assertions.assertThat;

import dev.osprey.encoder.GoldenImages;
import dev.osprey.model.Golden;
import dev.osprey.model.TinyBundle;
import dev.osprey.model.bundle.ModelBundle;
import dev.osprey.model.checkpoint.SafetensorsFile;
import dev.osprey.model.image.ImageDecoder;
import dev.osprey.model.image.ImagePreprocessor;
import dev.osprey.model.tensor.Tensor;
import dev.osprey.model.vision.TritonRepository;
import dev.osprey.model.vision.VisionFeatures;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.testcontainers.containers.GenericContainer;
import org.testcontainers.containers.wait.strategy.Wait;
import org.testcontainers.junit.jupiter.Container;
import org.testcontainers.junit.jupiter.Testcontainers;
import org.testcontainers.utility.MountableFile;

/**
 * The Triton backend against the real Triton server image, serving the tiny bundle's model repository
 * on CPU ({@code --model-config-name=cpu}, see {@link TritonRepository}): every golden case comes back
 * as the reference tensors. Skipped where there is no Docker; the image tag can be changed with
 * {@code -Dosprey.triton.image=...}.
 */
@Testcontainers(disabledWithoutDocker = true)
class TritonContainerTest {

    private static final int HTTP = 8000;
    private static final int GRPC = 8001;

    static final ModelBundle bundle = TinyBundle.open();

    @Container
    static final GenericContainer<?> triton = new GenericContainer<>(
            System.getProperty("osprey.triton.image", "nvcr.io/nvidia/tritonserver:25.10-py3"))
            .withCopyFileToContainer(MountableFile.forHostPath(bundle.tritonRepository()), "/models")
            .withCommand("tritonserver", "--model-repository=/models", "--model-config-name=cpu")
            .withExposedPorts(HTTP, GRPC)
            .waitingFor(Wait.forHttp("/v2/health/ready").forPort(HTTP).forStatusCode(200)
                    .withStartupTimeout(Duration.ofMinutes(10)));

    @Test
    void tritonServesTheBundlesVisionModelWithTheGoldenNumbers() {
        String address = triton.getHost() + ":" + triton.getMappedPort(GRPC);
        KserveClient client = new KserveClient(address, Duration.ofMinutes(1),
                new KserveClient.Retry(3, Duration.ofMillis(200), Duration.ofSeconds(2)));
        ImagePreprocessor preprocessor = new ImagePreprocessor(bundle.manifest().image());
        try (TritonVisionBackend backend = new TritonVisionBackend(client, TritonRepository.MODEL_NAME, TritonRepository.VERSION,
                bundle.manifest().image().size())) {
            assertThat(backend.ready()).isTrue();
            for (String caseName : Golden.CASES) {
                float[] pixels = preprocessor.pixelValues(new ImageDecoder().decode(GoldenImages.bytes(caseName)));
                VisionFeatures features = backend.encode(pixels).getFirst();
                try (SafetensorsFile golden = Golden.tensors(caseName)) {
                    for (Tensor actual : features.toTensors()) {
                        assertThat(actual.shape()).isEqualTo(golden.get(actual.name()).shape());
                        Golden.assertClose(caseName + " " + actual.name(), actual.toFloats(), golden.floats(actual.name()), 1e-4, 1e-4);
                    }
                }
            }
        }
    }
}
