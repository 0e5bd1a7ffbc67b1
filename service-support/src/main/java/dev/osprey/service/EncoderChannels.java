package dev.osprey.service;

import io.grpc.ManagedChannel;

/**
 * Channels to encoder replicas. The gateway names the replica that owns an image; callers pass that
 * address, or an empty one for the configured default.
 */
public final class EncoderChannels implements AutoCloseable {

    /** Largest message a channel accepts. */
    public static final int MAX_MESSAGE_BYTES = PeerChannels.MAX_MESSAGE_BYTES;

    private final String defaultAddress;
    private final PeerChannels channels = new PeerChannels();

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
        return channels.channel(resolve(address));
    }

    @Override
    public void close() {
        channels.close();
    }
}
