package dev.osprey.encoder;

import dev.osprey.encoder.features.FeatureStore;
import dev.osprey.service.GrpcErrorHandler;
import io.grpc.ServerServiceDefinition;

/** The package-private gRPC service for tests and benchmarks in other packages. */
public final class EncoderServices {

    private EncoderServices() {
    }

    /** The Encoder service over {@code store}, its failures handled as in the application, without Spring. */
    public static ServerServiceDefinition grpc(FeatureStore store) {
        return GrpcErrorHandler.handling(new EncoderGrpcService(store));
    }
}
