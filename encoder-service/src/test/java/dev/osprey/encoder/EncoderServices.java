package dev.osprey.encoder;

import dev.osprey.encoder.features.FeatureStore;
import io.grpc.BindableService;

/** The package-private gRPC service for tests and benchmarks in other packages. */
public final class EncoderServices {

    private EncoderServices() {
    }

    /** The Encoder service over {@code store}, without Spring. */
    public static BindableService grpc(FeatureStore store) {
        return new EncoderGrpcService(store);
    }
}
