package dev.osprey.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.osprey.api.v1.Box;
import dev.osprey.api.v1.Region;
import dev.osprey.internal.v1.EncoderGrpc;
import dev.osprey.internal.v1.ExtractRequest;
import dev.osprey.internal.v1.ExtractorGrpc;
import dev.osprey.internal.v1.ForgetRequest;
import dev.osprey.internal.v1.GenerateRequest;
import dev.osprey.internal.v1.GetImageRequest;
import dev.osprey.internal.v1.LlmGrpc;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse;
import io.grpc.health.v1.HealthGrpc;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import java.net.ServerSocket;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.function.Executable;

/**
 * The internal hops of the running stack: a direct call to a backend without the internal token is
 * refused (only the health check answers), and extractor and llm-service refuse to dial an encoder
 * that is not one of their configured replicas.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class InternalAuthIT {

    private static final String IMAGE = "0".repeat(64);

    private LocalStack stack;
    private ManagedChannel encoder;
    private ManagedChannel extractor;
    private ManagedChannel llm;

    @BeforeAll
    void startStack() throws Exception {
        stack = LocalStack.get();
        encoder = bare("encoder-service");
        extractor = bare("extractor-service");
        llm = bare("llm-service");
    }

    @AfterAll
    void closeChannels() {
        List.of(encoder, extractor, llm).forEach(ManagedChannel::shutdownNow);
    }

    @Test
    void backendsRefuseCallsWithoutTheTokenButAnswerHealthChecks() {
        Region box = Region.newBuilder().setBox(Box.newBuilder().setWidth(4).setHeight(4)).build();
        List<Executable> calls = List.of(
                () -> EncoderGrpc.newBlockingStub(encoder).withDeadlineAfter(60, TimeUnit.SECONDS)
                        .getImage(GetImageRequest.newBuilder().setImageId(IMAGE).build()),
                () -> EncoderGrpc.newBlockingStub(encoder).withDeadlineAfter(60, TimeUnit.SECONDS)
                        .forget(ForgetRequest.newBuilder().setImageId(IMAGE).build()),
                () -> ExtractorGrpc.newBlockingStub(extractor).withDeadlineAfter(60, TimeUnit.SECONDS)
                        .extract(ExtractRequest.newBuilder().setImageId(IMAGE).addRegions(box).build()),
                () -> LlmGrpc.newBlockingStub(llm).withDeadlineAfter(60, TimeUnit.SECONDS)
                        .generate(GenerateRequest.newBuilder().setImageId(IMAGE).setPrompt("hi").build()).hasNext());
        for (Executable call : calls) {
            assertThatThrownBy(call::execute).isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
                assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.UNAUTHENTICATED);
                assertThat(e.getStatus().getDescription()).isEqualTo("internal token missing");
            });
        }
        for (ManagedChannel channel : List.of(encoder, extractor, llm)) {
            assertThat(HealthGrpc.newBlockingStub(channel).withDeadlineAfter(60, TimeUnit.SECONDS)
                    .check(HealthCheckRequest.getDefaultInstance()).getStatus()).isEqualTo(HealthCheckResponse.ServingStatus.SERVING);
        }
    }

    @Test
    void anEncoderAddressOutsideTheReplicasIsRefusedEvenWithTheToken() throws Exception {
        try (ServerSocket elsewhere = new ServerSocket(0)) {
            String address = "127.0.0.1:" + elsewhere.getLocalPort();
            Region box = Region.newBuilder().setBox(Box.newBuilder().setWidth(4).setHeight(4)).build();
            List<Executable> calls = List.of(
                    () -> ExtractorGrpc.newBlockingStub(stack.channel("extractor-service")).withDeadlineAfter(60, TimeUnit.SECONDS)
                            .extract(ExtractRequest.newBuilder().setImageId(IMAGE).setEncoderAddress(address).addRegions(box).build()),
                    () -> LlmGrpc.newBlockingStub(stack.channel("llm-service")).withDeadlineAfter(60, TimeUnit.SECONDS)
                            .generate(GenerateRequest.newBuilder().setImageId(IMAGE).setEncoderAddress(address).setPrompt("hi").build())
                            .hasNext());
            for (Executable call : calls) {
                assertThatThrownBy(call::execute).isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
                    assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.PERMISSION_DENIED);
                    assertThat(e.getStatus().getDescription()).startsWith("encoder_address is not a configured encoder replica");
                });
            }
        }
    }

    private ManagedChannel bare(String service) {
        return NettyChannelBuilder.forAddress("127.0.0.1", stack.process(service).grpcPort).usePlaintext().build();
    }
}
