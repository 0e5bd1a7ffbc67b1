package dev.osprey.service;

import io.grpc.ChannelCredentials;
import io.grpc.CompositeChannelCredentials;
import io.grpc.Grpc;
import io.grpc.InsecureChannelCredentials;
import io.grpc.ManagedChannel;
import io.micrometer.core.instrument.binder.grpc.ObservationGrpcClientInterceptor;
import io.micrometer.observation.ObservationRegistry;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * One gRPC channel per peer replica (host:port), opened on first use and kept: requests about one
 * image go to the replica that owns it (see DESIGN.md, image affinity), so callers address replicas
 * one by one instead of through a load balancer. Channels accept 64 MiB messages: one image's
 * features are ~39 MiB at the real model's size. With an internal token, every call carries it. Every
 * call is observed: a client span that carries the caller's trace context to the peer (W3C
 * {@code traceparent}), and the {@code grpc.client} timers.
 */
public final class PeerChannels implements AutoCloseable {

    /** Largest message a channel accepts. */
    public static final int MAX_MESSAGE_BYTES = 64 << 20;

    private final Map<String, ManagedChannel> channels = new ConcurrentHashMap<>();
    private final ChannelCredentials credentials;
    private final ObservationRegistry observations;
    private volatile boolean closed;

    /** Channels whose calls nobody observes (tests, tools). */
    public PeerChannels(Optional<InternalToken> token) {
        this(token, ObservationRegistry.NOOP);
    }

    /**
     * @param token        the internal token every call carries; empty: calls carry none (backends on loopback)
     * @param observations observes every call (trace context, client metrics)
     */
    public PeerChannels(Optional<InternalToken> token, ObservationRegistry observations) {
        this.credentials = token.<ChannelCredentials>map(t -> CompositeChannelCredentials.create(InsecureChannelCredentials.create(),
                t.callCredentials())).orElseGet(InsecureChannelCredentials::create);
        this.observations = observations;
    }

    /** The channel to {@code address} (host:port). */
    public ManagedChannel channel(String address) {
        if (closed) {
            throw new IllegalStateException("peer channels are closed");
        }
        return channels.computeIfAbsent(address, target -> Grpc.newChannelBuilder(target, credentials)
                .maxInboundMessageSize(MAX_MESSAGE_BYTES)
                .intercept(new ObservationGrpcClientInterceptor(observations))
                .build());
    }

    @Override
    public void close() {
        closed = true;
        channels.values().forEach(ManagedChannel::shutdown);
        for (ManagedChannel channel : channels.values()) {
            try {
                if (!channel.awaitTermination(5, TimeUnit.SECONDS)) {
                    channel.shutdownNow();
                }
            } catch (InterruptedException e) {
                channel.shutdownNow();
                Thread.currentThread().interrupt();
            }
        }
    }
}
