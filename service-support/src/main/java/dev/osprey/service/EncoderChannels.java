package dev.osprey.service;

import io.grpc.Grpc;
import io.grpc.InsecureChannelCredentials;
import io.grpc.ManagedChannel;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * One channel per encoder replica. The gateway names the replica that owns an image (image affinity,
 * see DESIGN.md); callers pass that address, or an empty one for the configured default. Channels
 * accept 64 MiB messages: one image's features are ~39 MiB at the real model's size.
 */
public final class EncoderChannels implements AutoCloseable {

    /** Largest message a channel accepts. */
    public static final int MAX_MESSAGE_BYTES = 64 << 20;

    private final String defaultAddress;
    private final Map<String, ManagedChannel> channels = new ConcurrentHashMap<>();
    private volatile boolean closed;

    /** @param defaultAddress host:port used when a request names no encoder */
    public EncoderChannels(String defaultAddress) {
        if (defaultAddress == null || defaultAddress.isBlank()) {
            throw new IllegalArgumentException("the default encoder address is empty");
        }
        this.defaultAddress = defaultAddress.strip();
    }

    /** The address a request's {@code encoder_address} resolves to. */
    public String resolve(String address) {
        return address == null || address.isBlank() ? defaultAddress : address.strip();
    }

    /** The channel to {@code address} (empty: the default), opened on first use. */
    public ManagedChannel channel(String address) {
        if (closed) {
            throw new IllegalStateException("encoder channels are closed");
        }
        return channels.computeIfAbsent(resolve(address), target -> Grpc.newChannelBuilder(target, InsecureChannelCredentials.create())
                .maxInboundMessageSize(MAX_MESSAGE_BYTES)
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
