package dev.osprey.gateway.flow;

import dev.osprey.gateway.routing.ImageAffinity;
import dev.osprey.service.PeerChannels;
import dev.osprey.service.Replicas;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.util.List;

/**
 * The three backend services and the channels to their replicas. Calls about one image go to the
 * replicas that own it ({@link ImageAffinity#owner}); an unreachable replica surfaces as UNAVAILABLE
 * naming the service and its address.
 */
public final class Backends {

    /** A backend replica picked for one image. */
    public record Replica(String service, String address, ManagedChannel channel) {

        /** {@code failure} as the caller should see it: UNAVAILABLE names this replica. */
        public Throwable explain(Throwable failure) {
            if (failure instanceof StatusRuntimeException e && e.getStatus().getCode() == Status.Code.UNAVAILABLE) {
                // A restarted replica is back sooner than gRPC's reconnect backoff (up to 120 s) would notice.
                channel.resetConnectBackoff();
                String detail = e.getStatus().getDescription();
                if (detail != null && detail.contains(" is unavailable")) {
                    return e; // a peer further down said which service is down
                }
                return Status.UNAVAILABLE.withDescription(service + " at " + address + " is unavailable"
                        + (detail == null ? "" : ": " + detail)).withCause(e).asRuntimeException();
            }
            return failure;
        }
    }

    private final PeerChannels channels;
    private final Replicas encoders;
    private final Replicas extractors;
    private final Replicas llms;

    public Backends(PeerChannels channels, Replicas encoders, Replicas extractors, Replicas llms) {
        this.channels = channels;
        this.encoders = encoders;
        this.extractors = extractors;
        this.llms = llms;
    }

    public Replica encoder(String imageId) {
        return replica("encoder-service", ImageAffinity.owner(imageId, encoders.current()));
    }

    /** Every encoder replica but {@code owner}: where an image's upload may still be held after the replicas changed. */
    public List<Replica> otherEncoders(Replica owner) {
        return encoders.current().stream().filter(address -> !address.equals(owner.address()))
                .map(address -> replica("encoder-service", address)).toList();
    }

    /** Extractors hold no state, but routing them by image lets each keep the features it fetched. */
    public Replica extractor(String imageId) {
        return replica("extractor-service", ImageAffinity.owner(imageId, extractors.current()));
    }

    public Replica llm(String imageId) {
        return replica("llm-service", ImageAffinity.owner(imageId, llms.current()));
    }

    private Replica replica(String service, String address) {
        return new Replica(service, address, channels.channel(address));
    }
}
