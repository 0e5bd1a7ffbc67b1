package dev.osprey.llm;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.osprey.api.v1.Role;
import dev.osprey.api.v1.Sampling;
import dev.osprey.api.v1.Task;
import dev.osprey.api.v1.Turn;
import dev.osprey.internal.v1.DataType;
import dev.osprey.internal.v1.GenerateRequest;
import dev.osprey.internal.v1.RegionTokens;
import dev.osprey.service.TensorMessages;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.io.IOException;
import java.net.ServerSocket;
import java.util.List;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Bad requests fail with INVALID_ARGUMENT naming the field; the encoder's NOT_FOUND and UNAVAILABLE pass through. */
class LlmGrpcServiceErrorsTest {

    static GoldenImage image = GoldenImage.read("s1_img0");
    static LlmServer server;

    @BeforeAll
    static void start() {
        server = new LlmServer(1, 4, image);
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    @Test
    void aTaskWithoutRegionsNamesRegionTokens() {
        assertInvalid(r -> r.clearRegionTokens(), "region_tokens: a task is asked about each region; give at least one mask");
    }

    @Test
    void regionReferencesThatDoNotMatchTheRegionsNameThePrompt() {
        assertInvalid(r -> r.setPrompt("Is <region4> near <region1>?"), "prompt: the prompt refers to <region4> but only 3 masks were given");
        assertInvalid(r -> r.setPrompt("Is <region3> near <region1>?"), "prompt: mask 2 is never referred to");
        assertInvalid(r -> r.setPrompt("Is <region0> here?"), "prompt: <region0> in the prompt is not a region reference");
    }

    @Test
    void aContextOverflowNamesMaxNewTokens() {
        assertInvalid(r -> r.setMaxNewTokens(2000), "max_new_tokens: the prompt (");
        assertInvalid(r -> r.setMaxNewTokens(-1), "exceeds the context limit of 2048");
    }

    @Test
    void malformedRegionTokensNameTheTensor() {
        float[] narrow = new float[3 * 32];
        assertInvalid(r -> r.setRegionTokens(RegionTokens.newBuilder()
                        .setMaskTokens(TensorMessages.floats("m", new long[] {3, 32}, narrow))
                        .setPosTokens(TensorMessages.floats("p", new long[] {3, 32}, narrow))),
                "region_tokens.mask_tokens: shape [3, 32] is not [-1, 64]");
        assertInvalid(r -> r.setRegionTokens(image.regionTokens().toBuilder()
                        .setPosTokens(TensorMessages.floats("p", new long[] {2, 64}, new float[2 * 64]))),
                "region_tokens.pos_tokens: shape [2, 64] is not [3, 64]");
        assertInvalid(r -> r.setRegionTokens(image.regionTokens().toBuilder()
                        .setMaskTokens(image.regionTokens().getMaskTokens().toBuilder().setDtype(DataType.FLOAT16))),
                "region_tokens.mask_tokens: dtype FLOAT16 is not FLOAT32");
    }

    @Test
    void aMissingOrUnknownQuestionIsNamed() {
        assertInvalid(r -> r.clearTask(), "question: set either task or prompt");
        assertInvalid(r -> r.setTask(Task.TASK_UNSPECIFIED), "task: 0 is not a task");
        assertInvalid(r -> r.setImageId(""), "image_id: is empty");
    }

    @Test
    void historyThatIsNotUserAssistantPairsOfAPromptIsNamed() {
        assertInvalid(r -> r.addHistory(turn(Role.ROLE_USER, "hi")).addHistory(turn(Role.ROLE_ASSISTANT, "hello")),
                "history: only a free prompt continues a conversation");
        assertInvalid(r -> r.setPrompt("<region1> <region2> <region3>?").addHistory(turn(Role.ROLE_USER, "a"))
                .addHistory(turn(Role.ROLE_USER, "b")), "history[1].role: ROLE_USER where ROLE_ASSISTANT belongs");
        assertInvalid(r -> r.setPrompt("<region1> <region2> <region3>?").addHistory(turn(Role.ROLE_USER, "a")),
                "history: ends with a user turn without an answer");
    }

    @Test
    void badSamplingAndStopStringsAreNamed() {
        assertInvalid(r -> r.setSampling(Sampling.newBuilder().setTopP(1.5f)), "sampling: top_p must be in (0, 1], got 1.5");
        assertInvalid(r -> r.setSampling(Sampling.newBuilder().setTemperature(-1)), "sampling: temperature must be a finite number >= 0");
        assertInvalid(r -> r.addStop(""), "stop: stop strings must not be empty");
    }

    @Test
    void anImageTheEncoderDoesNotKnowIsNotFound() {
        assertStatus(r -> r.setImageId("0".repeat(64)), Status.Code.NOT_FOUND, "upload the image again");
    }

    @Test
    void anUnreachableEncoderIsUnavailableNamingItsAddress() {
        // Another image, so that the prefix cache cannot answer without the encoder.
        assertStatus(r -> r.setImageId("1".repeat(64)).setEncoderAddress(server.downEncoderAddress), Status.Code.UNAVAILABLE,
                "encoder-service at " + server.downEncoderAddress);
    }

    @Test
    void anEncoderThatIsNotAConfiguredReplicaIsRefusedEvenWhenThePrefixIsCached() throws IOException {
        Streamed.collect(server.stub().generate(valid().build()));
        int before = server.encoder.imageTokenCalls();
        try (ServerSocket elsewhere = new ServerSocket(0)) {
            for (String imageId : List.of(image.imageId(), "2".repeat(64))) {
                assertStatus(r -> r.setImageId(imageId).setEncoderAddress("127.0.0.1:" + elsewhere.getLocalPort()), Status.Code.PERMISSION_DENIED,
                        "encoder_address is not a configured encoder replica");
            }
        }
        assertThat(server.encoder.imageTokenCalls()).isEqualTo(before);
    }

    @Test
    void aGoodRequestStillSucceedsAfterTheErrors() {
        Streamed streamed = Streamed.collect(server.stub().generate(valid().build()));
        assertThat(streamed.finished).hasSize(3);
    }

    private static GenerateRequest.Builder valid() {
        return GenerateRequest.newBuilder().setImageId(image.imageId()).setRegionTokens(image.regionTokens())
                .setTask(Task.TASK_SHORT_DESCRIPTION).setSampling(Sampling.newBuilder().setGreedy(true)).setMaxNewTokens(4)
                .setEncoderAddress(server.encoderAddress());
    }

    private static Turn turn(Role role, String content) {
        return Turn.newBuilder().setRole(role).setContent(content).build();
    }

    private static void assertInvalid(UnaryOperator<GenerateRequest.Builder> change, String message) {
        assertStatus(change, Status.Code.INVALID_ARGUMENT, message);
    }

    private static void assertStatus(UnaryOperator<GenerateRequest.Builder> change, Status.Code code, String message) {
        GenerateRequest request = change.apply(valid()).build();
        assertThatThrownBy(() -> server.stub().generate(request).forEachRemaining(event -> { }))
                .isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
                    assertThat(e.getStatus().getCode()).isEqualTo(code);
                    assertThat(e.getStatus().getDescription()).contains(message);
                });
    }
}
