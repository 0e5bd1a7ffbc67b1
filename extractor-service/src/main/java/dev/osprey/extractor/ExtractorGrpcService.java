package dev.osprey.extractor;

import dev.osprey.internal.v1.ExtractRequest;
import dev.osprey.internal.v1.ExtractResponse;
import dev.osprey.internal.v1.ExtractorGrpc;
import dev.osprey.internal.v1.ForgetRequest;
import dev.osprey.internal.v1.ForgetResponse;
import dev.osprey.service.CacheMeters;
import dev.osprey.service.CallerWaiting;
import io.grpc.stub.StreamObserver;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;

/**
 * The Extractor gRPC service: a thin shell over {@link RegionExtraction} that counts; what it throws ends
 * the call through GrpcErrorHandler.
 */
final class ExtractorGrpcService extends ExtractorGrpc.ExtractorImplBase {

    private final RegionExtraction extraction;
    private final Timer latency;
    private final MeterRegistry registry;

    ExtractorGrpcService(RegionExtraction extraction, MeterRegistry registry) {
        this.extraction = extraction;
        this.registry = registry;
        CacheMeters.bind(registry, "features", extraction.features());
        this.latency = Timer.builder("osprey.extractor.extract").description("Extract calls, masks decoded and pooled")
                .publishPercentileHistogram().register(registry);
    }

    @Override
    public void forget(ForgetRequest request, StreamObserver<ForgetResponse> responses) {
        responses.onNext(ForgetResponse.newBuilder().setForgotten(extraction.forget(request.getImageId())).build());
        responses.onCompleted();
    }

    @Override
    public void extract(ExtractRequest request, StreamObserver<ExtractResponse> responses) {
        CallerWaiting.require();
        Timer.Sample sample = Timer.start(registry);
        try {
            ExtractResponse response = extraction.extract(request.getImageId(), request.getEncoderAddress(), request.getRegionsList(),
                    request.getAllowEmpty());
            registry.counter("osprey.extractor.regions").increment(request.getRegionsCount());
            responses.onNext(response);
            responses.onCompleted();
        } finally {
            sample.stop(latency);
        }
    }
}
