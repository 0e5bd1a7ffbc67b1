package dev.osprey.encoder;

import dev.osprey.encoder.sam.SamImageEncoder;
import dev.osprey.encoder.sam.SegmentAnything;
import dev.osprey.encoder.triton.TritonModel;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.HealthIndicator;

/**
 * Up when the bundle has no SAM (segmentation then answers UNIMPLEMENTED, the rest of the encoder works)
 * or when SAM's image encoder can run: always in process (loaded before the application starts), on
 * Triton while it answers ServerReady and ModelReady for the SAM model. Part of the readiness group.
 */
class SegmentAnythingHealthIndicator implements HealthIndicator {

    private final SegmentAnything sam;

    SegmentAnythingHealthIndicator(SegmentAnything sam) {
        this.sam = sam;
    }

    @Override
    public Health health() {
        if (sam.absence().isPresent()) {
            return Health.up().withDetail("sam", "absent").withDetail("reason", sam.absence().get()).build();
        }
        SamImageEncoder encoder = sam.embeddings().orElseThrow().encoder();
        Health.Builder health = (encoder.ready() ? Health.up() : Health.down()).withDetail("sam", "loaded").withDetail("imageEncoder",
                encoder.name());
        if (encoder instanceof TritonModel triton) {
            health.withDetail("address", triton.client().address());
        }
        return health.build();
    }
}
