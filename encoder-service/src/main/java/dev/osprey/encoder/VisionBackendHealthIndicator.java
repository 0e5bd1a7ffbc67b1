package dev.osprey.encoder;

import dev.osprey.encoder.triton.TritonVisionBackend;
import dev.osprey.encoder.vision.VisionBackend;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.HealthIndicator;

/**
 * Up once the vision backend can encode: always for the embedded model (loaded before the application
 * starts), and for Triton only while it answers ServerReady and ModelReady. Part of the readiness group,
 * so a replica whose Triton is down takes no traffic (and gRPC health says NOT_SERVING).
 */
class VisionBackendHealthIndicator implements HealthIndicator {

    private final VisionBackend backend;

    VisionBackendHealthIndicator(VisionBackend backend) {
        this.backend = backend;
    }

    @Override
    public Health health() {
        Health.Builder health = backend.ready() ? Health.up() : Health.down();
        health.withDetail("backend", backend.name());
        if (backend instanceof TritonVisionBackend triton) {
            health.withDetail("address", triton.client().address());
        }
        return health.build();
    }
}
