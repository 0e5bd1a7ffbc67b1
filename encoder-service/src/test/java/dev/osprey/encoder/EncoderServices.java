package dev.osprey.encoder;

import dev.osprey.encoder.features.FeatureStore;
import dev.osprey.encoder.sam.SegmentAnything;
import dev.osprey.service.GrpcErrorHandler;
import io.grpc.ServerServiceDefinition;
import io.micrometer.core.instrument.MeterRegistry;

/** The package-private gRPC services for tests and benchmarks in other packages. */
public final class EncoderServices {

    private EncoderServices() {
    }

    /** The Encoder service over {@code store}, its failures handled as in the application, without Spring. */
    public static ServerServiceDefinition grpc(FeatureStore store) {
        return GrpcErrorHandler.handling(new EncoderGrpcService(store));
    }

    /** The Segmenter service over {@code sam}, metered into {@code meters} with the embedded backend's tag, without Spring. */
    public static ServerServiceDefinition segmenter(SegmentAnything sam, MeterRegistry meters) {
        return GrpcErrorHandler.handling(new SegmenterGrpcService(sam, new SamMetrics(meters, "embedded")));
    }
}
