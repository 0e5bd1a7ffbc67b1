package dev.osprey.service;

import io.grpc.ManagedChannel;
import io.micrometer.observation.ObservationRegistry;
import java.util.Optional;

/**
 * Channels to encoder replicas. The gateway names the replica that owns an image; callers pass that
 * address, or an empty one for the configured default. Only the default and the configured replicas
 * are ever dialled: a request naming another address is refused before any connection, so that
 * nobody can make a backend open connections to hosts of their choosing.
 */
public final class EncoderChannels implements AutoCloseable {

    /** Largest message a channel accepts. */
    public static final int MAX_MESSAGE_BYTES = PeerChannels.MAX_MESSAGE_BYTES;

    private final String defaultAddress;
    private final Replicas replicas;
    private final PeerChannels channels;

    /**
     * @param defaultAddress host:port used when a request names none
     * @param replicas       the other addresses a request may name
     * @param token          the internal token every call carries, if configured
     */
    public EncoderChannels(String defaultAddress, Replicas replicas, Optional<InternalToken> token) {
        this(defaultAddress, replicas, new PeerChannels(token));
    }

    private EncoderChannels(String defaultAddress, Replicas replicas, PeerChannels channels) {
        if (defaultAddress == null || defaultAddress.isBlank()) {
            throw new IllegalArgumentException("the default encoder address is empty");
        }
        this.defaultAddress = defaultAddress.strip();
        this.replicas = replicas;
        this.channels = channels;
    }

    /** The channels {@code encoder} configures, their calls observed by {@code observations} (traces, client metrics). */
    public static EncoderChannels of(EncoderClientProperties encoder, InternalProperties internal, ObservationRegistry observations) {
        return new EncoderChannels(encoder.address(), encoder.replicaSet(), new PeerChannels(internal.secret(), observations));
    }

    /**
     * The address a request's {@code encoder_address} resolves to.
     *
     * @throws ServiceException PERMISSION_DENIED for an address that is not a configured replica
     */
    public String resolve(String address) {
        if (address == null || address.isBlank()) {
            return defaultAddress;
        }
        String named = address.strip();
        if (!named.equals(defaultAddress) && !replicas.contains(named)) {
            throw new ServiceException(ErrorReason.PERMISSION_DENIED,
                    "encoder_address is not a configured encoder replica (osprey.encoder-client.replicas)");
        }
        return named;
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
