package dev.osprey.encoder.triton;

import dev.osprey.kserve.v2.GRPCInferenceServiceGrpc;
import dev.osprey.kserve.v2.ModelInferRequest;
import dev.osprey.kserve.v2.ModelInferResponse;
import dev.osprey.kserve.v2.ModelReadyRequest;
import dev.osprey.kserve.v2.ServerReadyRequest;
import dev.osprey.model.error.OspreyException;
import dev.osprey.model.error.Reason;
import dev.osprey.service.ErrorReason;
import dev.osprey.service.ServiceException;
import io.grpc.Grpc;
import io.grpc.InsecureChannelCredentials;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

/**
 * Our client of a KServe v2 (Open Inference Protocol) gRPC server such as Triton, for the calls the
 * encoder makes. Every call has a deadline; inference is retried with exponential backoff while the
 * server answers UNAVAILABLE (restarting, overloaded), up to a bounded number of attempts. Errors name
 * the server's address.
 */
public final class KserveClient implements AutoCloseable {

    /** Largest response accepted: one image's outputs are ~39 MiB in float32 at the real model's size. */
    public static final int MAX_MESSAGE_BYTES = 64 << 20;

    /**
     * How inference is retried on UNAVAILABLE.
     *
     * @param maxAttempts    attempts in all, at least 1
     * @param initialBackoff wait before the second attempt; each later wait doubles, up to {@code maxBackoff}
     */
    public record Retry(int maxAttempts, Duration initialBackoff, Duration maxBackoff) {

        public Retry {
            if (maxAttempts < 1 || initialBackoff.isNegative() || maxBackoff.compareTo(initialBackoff) < 0) {
                throw new IllegalArgumentException("need >= 1 attempt and 0 <= initial backoff <= max backoff, got "
                        + maxAttempts + ", " + initialBackoff + ", " + maxBackoff);
            }
        }

        /** The wait after failed attempt {@code attempt} (1-based). */
        Duration backoff(int attempt) {
            Duration wait = initialBackoff;
            for (int i = 1; i < attempt && wait.compareTo(maxBackoff) < 0; i++) {
                wait = wait.multipliedBy(2);
            }
            return wait.compareTo(maxBackoff) < 0 ? wait : maxBackoff;
        }
    }

    /** Readiness is asked often (health checks): a server that does not answer within this is not ready. */
    private static final Duration READY_DEADLINE = Duration.ofSeconds(5);

    private final String address;
    private final ManagedChannel channel;
    private final Duration deadline;
    private final Retry retry;

    /** A client of the server at {@code address} (host:port of its gRPC endpoint, 8001 for Triton). */
    public KserveClient(String address, Duration deadline, Retry retry) {
        this.address = address;
        this.channel = Grpc.newChannelBuilder(address, InsecureChannelCredentials.create())
                .maxInboundMessageSize(MAX_MESSAGE_BYTES)
                .build();
        this.deadline = deadline;
        this.retry = retry;
    }

    /** The server's address. */
    public String address() {
        return address;
    }

    /** Whether the server is ready for inference; false when it cannot be reached. */
    public boolean serverReady() {
        return ready(stub -> stub.serverReady(ServerReadyRequest.getDefaultInstance()).getReady());
    }

    /** Whether the model (version; empty: the server's choice) is loaded and ready; false when the server cannot be reached. */
    public boolean modelReady(String model, String version) {
        return ready(stub -> stub.modelReady(ModelReadyRequest.newBuilder().setName(model).setVersion(version).build()).getReady());
    }

    /**
     * Runs the model.
     *
     * @throws OspreyException UNAVAILABLE naming the address when every attempt found the server unavailable,
     *                         INTERNAL when the server refused the request
     * @throws ServiceException DEADLINE_EXCEEDED when the server did not answer within the deadline
     */
    public ModelInferResponse infer(ModelInferRequest request) {
        for (int attempt = 1; ; attempt++) {
            try {
                return stub(deadline).modelInfer(request);
            } catch (StatusRuntimeException e) {
                Status.Code code = e.getStatus().getCode();
                if (code == Status.Code.UNAVAILABLE && attempt < retry.maxAttempts()) {
                    sleep(retry.backoff(attempt));
                    // Reconnect now rather than after gRPC's own reconnect backoff (up to 120 s).
                    channel.resetConnectBackoff();
                    continue;
                }
                throw failure(request.getModelName(), attempt, e);
            }
        }
    }

    /** Whether the server is ready and has {@code model} (version; empty: the server's choice) ready. */
    public boolean ready(String model, String version) {
        return serverReady() && modelReady(model, version);
    }

    private RuntimeException failure(String model, int attempts, StatusRuntimeException e) {
        String said = e.getStatus().getCode() + (e.getStatus().getDescription() == null ? "" : ": " + e.getStatus().getDescription());
        return switch (e.getStatus().getCode()) {
            case UNAVAILABLE -> new OspreyException(Reason.UNAVAILABLE, "Triton at " + address + " is unavailable (" + attempts
                    + (attempts == 1 ? " attempt" : " attempts") + "; last answer " + said + "): is tritonserver running there"
                    + " with model " + model + "?", e);
            case DEADLINE_EXCEEDED -> new ServiceException(ErrorReason.DEADLINE_EXCEEDED, "Triton at " + address + " did not answer within "
                    + deadline.toMillis() + " ms", e);
            default -> new OspreyException(Reason.INTERNAL, "Triton at " + address + " refused inference on " + model + ": " + said, e);
        };
    }

    private boolean ready(Function<GRPCInferenceServiceGrpc.GRPCInferenceServiceBlockingStub, Boolean> call) {
        try {
            return call.apply(stub(deadline.compareTo(READY_DEADLINE) < 0 ? deadline : READY_DEADLINE));
        } catch (StatusRuntimeException e) {
            return false;
        }
    }

    private GRPCInferenceServiceGrpc.GRPCInferenceServiceBlockingStub stub(Duration callDeadline) {
        return GRPCInferenceServiceGrpc.newBlockingStub(channel)
                .withMaxInboundMessageSize(MAX_MESSAGE_BYTES)
                .withMaxOutboundMessageSize(MAX_MESSAGE_BYTES)
                .withDeadlineAfter(callDeadline.toNanos(), TimeUnit.NANOSECONDS);
    }

    private static void sleep(Duration wait) {
        try {
            Thread.sleep(wait);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new OspreyException(Reason.UNAVAILABLE, "interrupted while waiting to retry Triton", e);
        }
    }

    /** Closes the channel; the encoder has stopped sending by then, so nothing is left to wait for. */
    @Override
    public void close() {
        channel.shutdownNow();
    }
}
