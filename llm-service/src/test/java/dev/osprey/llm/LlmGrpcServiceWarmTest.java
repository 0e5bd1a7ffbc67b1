package dev.osprey.llm;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.osprey.api.v1.Sampling;
import dev.osprey.api.v1.Task;
import dev.osprey.internal.v1.ForgetRequest;
import dev.osprey.internal.v1.GenerateRequest;
import dev.osprey.internal.v1.WarmRequest;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.io.IOException;
import java.net.ServerSocket;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Warm over the golden tiny bundle: the image tokens are fetched from the named encoder in the
 * background, the first question then hits the prefix cache, and the warm-up meters say so.
 */
class LlmGrpcServiceWarmTest {

    static final GoldenImage IMAGE = GoldenImage.read("s1_img1");

    LlmServer server = new LlmServer(1, 4, IMAGE);

    @AfterEach
    void stop() {
        server.close();
    }

    @Test
    void aQuestionAfterAWarmUpHitsThePrefixCacheAndTheEncoderIsAskedOnce() {
        assertThat(server.stub().warm(warm(IMAGE.imageId())).getQueued()).isTrue();
        await().atMost(Duration.ofMinutes(2)).until(() -> meter("osprey.warm_up.done", "result", "computed") == 1);
        assertThat(server.encoder.imageTokenCalls()).isOne();
        assertThat(server.chat.prefixCache().misses()).isOne();

        Streamed streamed = Streamed.collect(server.stub().generate(GenerateRequest.newBuilder().setImageId(IMAGE.imageId())
                .setEncoderAddress(server.encoderAddress()).setRegionTokens(IMAGE.regionTokens()).setTask(Task.TASK_SHORT_DESCRIPTION)
                .setSampling(Sampling.newBuilder().setGreedy(true)).setMaxNewTokens(4).build()));

        assertThat(streamed.finished).hasSize(IMAGE.regions());
        assertThat(server.registry.get("osprey.generate.tokens").tag("phase", "cached").counter().count()).isPositive();
        assertThat(server.chat.prefixCache().hits()).isOne();
        assertThat(server.chat.prefixCache().misses()).isOne();
        assertThat(server.encoder.imageTokenCalls()).as("GetImageTokens calls").isOne();
        assertThat(server.registry.get("osprey.warm_up.running").gauge().value()).isZero();
        assertThat(server.registry.get("osprey.queue.depth").tag("queue", "warm_up").gauge().value()).isZero();
    }

    @Test
    void forgettingTheImageDropsTheWarmedPrefix() {
        server.stub().warm(warm(IMAGE.imageId()));
        await().atMost(Duration.ofMinutes(2)).until(() -> meter("osprey.warm_up.done", "result", "computed") == 1);
        assertThat(server.stub().forget(ForgetRequest.newBuilder().setImageId(IMAGE.imageId()).build()).getForgotten()).isTrue();
        assertThat(server.chat.prefixCache().size()).isZero();
    }

    @Test
    void aWarmUpOfAnUnknownImageFailsQuietlyAndIsCounted() {
        assertThat(server.stub().warm(warm("3".repeat(64))).getQueued()).isTrue();
        await().atMost(Duration.ofMinutes(2)).until(() -> meter("osprey.warm_up.done", "result", "failed") == 1);
        assertThat(server.chat.prefixCache().size()).isZero();
    }

    @Test
    void anEncoderThatIsNotAConfiguredReplicaOrAnEmptyImageIdIsRefused() throws IOException {
        try (ServerSocket elsewhere = new ServerSocket(0)) {
            WarmRequest request = WarmRequest.newBuilder().setImageId(IMAGE.imageId()).setEncoderAddress("127.0.0.1:" + elsewhere.getLocalPort())
                    .build();
            assertThatThrownBy(() -> server.stub().warm(request)).isInstanceOfSatisfying(StatusRuntimeException.class,
                    e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.PERMISSION_DENIED));
        }
        assertThatThrownBy(() -> server.stub().warm(warm(""))).isInstanceOfSatisfying(StatusRuntimeException.class,
                e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT));
        assertThat(server.encoder.imageTokenCalls()).isZero();
    }

    @Test
    void aReplicaWithWarmUpsOffQueuesNothing() {
        try (LlmServer off = new LlmServer(1, 4, 0, IMAGE)) {
            assertThat(off.stub().warm(WarmRequest.newBuilder().setImageId(IMAGE.imageId()).setEncoderAddress(off.encoderAddress()).build())
                    .getQueued()).isFalse();
        }
    }

    private WarmRequest warm(String imageId) {
        return WarmRequest.newBuilder().setImageId(imageId).setEncoderAddress(server.encoderAddress()).build();
    }

    private double meter(String name, String tag, String value) {
        return server.registry.get(name).tag(tag, value).functionCounter().count();
    }
}
