package dev.osprey.encoder.triton;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.osprey.encoder.GoldenImages;
import dev.osprey.encoder.vision.EmbeddedVisionBackend;
import dev.osprey.model.Golden;
import dev.osprey.model.TinyBundle;
import dev.osprey.model.bundle.ModelBundle;
import dev.osprey.model.error.OspreyException;
import dev.osprey.model.error.Reason;
import dev.osprey.model.image.ImageDecoder;
import dev.osprey.model.image.ImagePreprocessor;
import dev.osprey.model.tensor.Tensor;
import dev.osprey.model.vision.OnnxVisionTower;
import dev.osprey.model.vision.TritonRepository;
import dev.osprey.model.vision.VisionFeatures;
import dev.osprey.service.ErrorReason;
import dev.osprey.service.ServiceException;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The Triton backend and our KServe v2 client against a KServe server that runs the same ONNX vision
 * model in process: real numbers, equal to the embedded backend's, and the failure cases.
 */
class TritonVisionBackendTest {

    private static final KserveClient.Retry RETRY = new KserveClient.Retry(3, Duration.ofMillis(10), Duration.ofMillis(40));

    static ModelBundle bundle;
    static EmbeddedVisionBackend embedded;
    static float[] twoImages;

    private OnnxKserveServer server;
    private TritonVisionBackend triton;

    @BeforeAll
    static void open() {
        bundle = TinyBundle.open();
        embedded = new EmbeddedVisionBackend(OnnxVisionTower.open(bundle.visionModel(), 1));
        ImagePreprocessor preprocessor = new ImagePreprocessor(bundle.manifest().image());
        float[] first = preprocessor.pixelValues(new ImageDecoder().decode(GoldenImages.bytes(Golden.CASES[0])));
        float[] second = preprocessor.pixelValues(new ImageDecoder().decode(GoldenImages.bytes(Golden.CASES[3])));
        twoImages = new float[first.length * 2];
        System.arraycopy(first, 0, twoImages, 0, first.length);
        System.arraycopy(second, 0, twoImages, first.length, second.length);
    }

    @AfterAll
    static void closeEmbedded() {
        embedded.close();
    }

    @AfterEach
    void close() {
        if (triton != null) {
            triton.close();
        }
        if (server != null) {
            server.close();
        }
    }

    private TritonVisionBackend connect(String address, String model, Duration deadline) {
        triton = new TritonVisionBackend(new KserveClient(address, deadline, RETRY), model, TritonRepository.VERSION,
                bundle.manifest().image().size());
        return triton;
    }

    private TritonVisionBackend startAndConnect() {
        server = new OnnxKserveServer(bundle.visionModel());
        return connect(server.address(), TritonRepository.MODEL_NAME, Duration.ofSeconds(60));
    }

    @Test
    void aBatchThroughTritonGivesTheEmbeddedBackendsNumbers() {
        List<VisionFeatures> viaTriton = startAndConnect().encode(twoImages);
        List<VisionFeatures> inProcess = embedded.encode(twoImages);

        assertThat(viaTriton).hasSize(2);
        assertThat(server.inferCalls.get()).as("one ModelInfer for the batch").isOne();
        for (int i = 0; i < 2; i++) {
            List<Tensor> expected = inProcess.get(i).toTensors();
            List<Tensor> actual = viaTriton.get(i).toTensors();
            for (int t = 0; t < expected.size(); t++) {
                assertThat(actual.get(t).shape()).isEqualTo(expected.get(t).shape());
                // The same model in the same runtime: raw little-endian contents carry every bit.
                Golden.assertClose("image " + i + " " + expected.get(t).name(), actual.get(t).toFloats(), expected.get(t).toFloats(), 0, 0);
            }
        }
    }

    @Test
    void readyOnlyWhileServerAndModelAreReady() {
        TritonVisionBackend backend = startAndConnect();
        assertThat(backend.ready()).isTrue();
        server.serverReady = false;
        assertThat(backend.ready()).isFalse();
        server.serverReady = true;
        assertThat(connect(server.address(), "no_such_model", Duration.ofSeconds(60)).ready()).isFalse();
    }

    @Test
    void unavailableAnswersAreRetriedUntilTritonRecovers() {
        TritonVisionBackend backend = startAndConnect();
        server.unavailableAnswers.set(2);

        assertThat(backend.encode(twoImages)).hasSize(2);
        assertThat(server.inferCalls.get()).isEqualTo(3);
    }

    @Test
    void aServerThatStaysUnavailableFailsNamingItsAddressAfterTheLastAttempt() {
        TritonVisionBackend backend = startAndConnect();
        server.unavailableAnswers.set(10);

        assertThatThrownBy(() -> backend.encode(twoImages)).isInstanceOfSatisfying(OspreyException.class,
                e -> assertThat(e.reason()).isEqualTo(Reason.UNAVAILABLE)).hasMessageContaining("Triton at " + server.address())
                .hasMessageContaining("3 attempts");
        assertThat(server.inferCalls.get()).isEqualTo(3);
    }

    @Test
    void aServerThatIsDownIsReportedWithItsAddress() {
        server = new OnnxKserveServer(bundle.visionModel());
        String address = server.address();
        server.close();
        server = null;
        TritonVisionBackend backend = connect(address, TritonRepository.MODEL_NAME, Duration.ofSeconds(60));

        assertThat(backend.ready()).isFalse();
        assertThatThrownBy(() -> backend.encode(twoImages)).isInstanceOfSatisfying(OspreyException.class,
                e -> assertThat(e.reason()).isEqualTo(Reason.UNAVAILABLE)).hasMessageContaining("Triton at " + address + " is unavailable");
    }

    @Test
    void aRefusedRequestIsNotRetriedAndNamesTheModel() {
        TritonVisionBackend backend = startAndConnect();
        TritonVisionBackend wrong = new TritonVisionBackend(new KserveClient(server.address(), Duration.ofSeconds(60), RETRY), "vision",
                "", bundle.manifest().image().size());
        try (wrong) {
            assertThatThrownBy(() -> wrong.encode(twoImages)).isInstanceOfSatisfying(OspreyException.class,
                    e -> assertThat(e.reason()).isEqualTo(Reason.INTERNAL)).hasMessageContaining("refused inference on vision")
                    .hasMessageContaining("NOT_FOUND");
        }
        assertThat(server.inferCalls.get()).isOne();
        assertThat(backend.ready()).isTrue();
    }

    @Test
    void aSlowServerFailsAtTheDeadlineNamingItsAddress() {
        server = new OnnxKserveServer(bundle.visionModel());
        server.delayMillis = 2_000;
        // Short on purpose, the deadline is the subject: far under the server's 2 s delay.
        TritonVisionBackend backend = connect(server.address(), TritonRepository.MODEL_NAME, Duration.ofMillis(200));

        assertThatThrownBy(() -> backend.encode(twoImages)).isInstanceOfSatisfying(ServiceException.class, e -> {
            assertThat(e.reason()).isEqualTo(ErrorReason.DEADLINE_EXCEEDED);
            assertThat(e.getMessage()).contains("Triton at " + server.address(), "200 ms");
        });
    }
}
