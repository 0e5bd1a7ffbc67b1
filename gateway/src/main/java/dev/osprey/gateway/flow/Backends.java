package dev.osprey.gateway.flow;

import dev.osprey.gateway.routing.ImageAffinity;
import dev.osprey.internal.v1.EncoderGrpc;
import dev.osprey.internal.v1.ExtractorGrpc;
import dev.osprey.internal.v1.LlmGrpc;
import dev.osprey.internal.v1.SegmenterGrpc;
import dev.osprey.service.ErrorReason;
import dev.osprey.service.GrpcErrors;
import dev.osprey.service.PeerChannels;
import dev.osprey.service.Replicas;
import dev.osprey.service.ServiceException;
import io.grpc.Channel;
import io.grpc.ConnectivityState;
import io.grpc.Deadline;
import io.grpc.ManagedChannel;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.AbstractStub;
import io.grpc.stub.StreamObserver;
import java.time.Duration;
import java.util.List;
import java.util.function.Function;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * The three backend services and the channels to their replicas. Calls about one image go to the
 * replicas that own it ({@link ImageAffinity#owner}); every call has a deadline; their failures surface
 * as {@link ServiceException}s, an unreachable replica as UNAVAILABLE naming the service.
 */
public final class Backends {

    /** One RPC of a service's async stub, named as the generated method: {@code EncoderGrpc.EncoderStub::encode}. */
    @FunctionalInterface
    public interface Rpc<S, Q, R> {
        void call(S stub, Q request, StreamObserver<R> responses);
    }

    /**
     * A backend replica picked for one image, its stub, and the calls to it as Reactor publishers (see
     * {@link GrpcReactive}). A call that fails UNAVAILABLE before any answer is tried once more after
     * {@link ManagedChannel#resetConnectBackoff()}, once the channel tries to connect again: a replica
     * that restarted is ready before gRPC's reconnect backoff (up to 120 s) lets the channel try, so the
     * first call after it would fail fast.
     * Nothing the caller saw is repeated: a stream that has answered is never retried, and the
     * internal calls are idempotent (encode the same bytes, extract, forget, generate before any token).
     */
    public record Replica<S extends AbstractStub<S>>(String service, String address, ManagedChannel channel, S stub) {

        /** A server-streaming call that ends at {@code deadline}, e.g. {@code llm.stream(LlmStub::generate, request, deadline)}. */
        public <Q, R> Flux<R> stream(Rpc<S, Q, R> rpc, Q request, Deadline deadline) {
            Flux<R> attempt = GrpcReactive.stream(responses -> rpc.call(stub.withDeadline(deadline), request, responses));
            return attempt.switchOnFirst((first, flux) -> first.hasError() && isUnavailable(first.getThrowable())
                            ? reconnecting().thenMany(attempt) : flux)
                    .onErrorMap(this::explain);
        }

        /**
         * Completes once the channel has connected again, or after {@link #RECONNECT_WAIT}: while it
         * stays in TRANSIENT_FAILURE (it does until a connection is READY) a call fails at once with the
         * last failure, and a backend that is really down is reported after that short wait.
         */
        private Mono<Void> reconnecting() {
            return Mono.<Void>create(done -> {
                ConnectivityState state = channel.getState(false);
                channel.resetConnectBackoff();
                if (state == ConnectivityState.TRANSIENT_FAILURE) {
                    channel.notifyWhenStateChanged(state, done::success);
                } else {
                    done.success();
                }
            }).timeout(RECONNECT_WAIT, Mono.empty());
        }

        /** A unary call that ends at {@code deadline}, e.g. {@code encoder.unary(EncoderStub::encode, request, deadline)}. */
        public <Q, R> Mono<R> unary(Rpc<S, Q, R> rpc, Q request, Deadline deadline) {
            return stream(rpc, request, deadline).single();
        }

        /**
         * {@code failure} as the caller should see it, classified by the reason in the backend's
         * ErrorInfo (by the gRPC code where the transport failed and no backend said anything). What the
         * client is not told, such as the backend's address, stays in the cause for the gateway's log line.
         */
        private Throwable explain(Throwable failure) {
            if (!(failure instanceof StatusRuntimeException e)) {
                return failure;
            }
            ServiceException classified = GrpcErrors.fromStatus(e);
            String said = e.getStatus().getCode() + " " + e.getStatus().getDescription();
            return switch (classified.reason()) {
                // The backend refused the gateway itself (internal token, encoder replica set): a deployment
                // mistake, not the client's; it must not read as a wrong API key (401/403).
                case UNAUTHENTICATED, PERMISSION_DENIED -> ServiceException.unavailable(service, new IllegalStateException(service + " at "
                        + address + " refused the gateway: " + said
                        + " (check that every service has the same osprey.internal.token and encoder replicas)", e));
                // A backend whose deadline (ours, propagated) fired first resets the stream, which reads
                // CANCELLED here: either way the request ran out of time.
                case DEADLINE_EXCEEDED, CANCELLED -> new ServiceException(ErrorReason.DEADLINE_EXCEEDED, service,
                        service + " did not answer in time", new IllegalStateException(service + " at " + address + ": " + said, e));
                case UNAVAILABLE -> {
                    // For the next call: a restarted replica is back sooner than the reconnect backoff would notice.
                    channel.resetConnectBackoff();
                    // A backend further down may be the one that is down (the llm-service's encoder): its ErrorInfo names it.
                    yield ServiceException.unavailable(classified.service().orElse(service),
                            new IllegalStateException(service + " at " + address + ": " + said, e));
                }
                default -> classified;
            };
        }

        private static boolean isUnavailable(Throwable failure) {
            return failure instanceof StatusRuntimeException e && GrpcErrors.fromStatus(e).reason() == ErrorReason.UNAVAILABLE;
        }
    }

    /**
     * How long a failed call waits for its channel to reconnect before its one retry (a reconnect to a
     * restarted replica takes milliseconds; to one still down, every call waits this long).
     */
    private static final Duration RECONNECT_WAIT = Duration.ofSeconds(1);

    private final Function<String, ManagedChannel> channels;
    private final Replicas encoders;
    private final Replicas extractors;
    private final Replicas llms;

    /** @param channels the channel to a replica's address, opened once and kept (as {@link PeerChannels#channel} does) */
    public Backends(Function<String, ManagedChannel> channels, Replicas encoders, Replicas extractors, Replicas llms) {
        this.channels = channels;
        this.encoders = encoders;
        this.extractors = extractors;
        this.llms = llms;
    }

    public Replica<EncoderGrpc.EncoderStub> encoder(String imageId) {
        return encoderAt(ImageAffinity.owner(imageId, encoders.current()));
    }

    /** Segment Anything runs on the encoder that owns the image, beside its cached SAM embedding. */
    public Replica<SegmenterGrpc.SegmenterStub> segmenter(String imageId) {
        return replica("encoder-service", ImageAffinity.owner(imageId, encoders.current()), SegmenterGrpc::newStub);
    }

    /** Every encoder replica but {@code owner}: where an image's upload may still be held after the replicas changed. */
    public List<Replica<EncoderGrpc.EncoderStub>> otherEncoders(Replica<?> owner) {
        return encoders.current().stream().filter(address -> !address.equals(owner.address())).map(this::encoderAt).toList();
    }

    /** Extractors hold no state, but routing them by image lets each keep the features it fetched. */
    public Replica<ExtractorGrpc.ExtractorStub> extractor(String imageId) {
        return replica("extractor-service", ImageAffinity.owner(imageId, extractors.current()), ExtractorGrpc::newStub);
    }

    public Replica<LlmGrpc.LlmStub> llm(String imageId) {
        return replica("llm-service", ImageAffinity.owner(imageId, llms.current()), LlmGrpc::newStub);
    }

    private Replica<EncoderGrpc.EncoderStub> encoderAt(String address) {
        return replica("encoder-service", address, EncoderGrpc::newStub);
    }

    private <S extends AbstractStub<S>> Replica<S> replica(String service, String address, Function<Channel, S> stubs) {
        ManagedChannel channel = channels.apply(address);
        return new Replica<>(service, address, channel, stubs.apply(channel));
    }
}
