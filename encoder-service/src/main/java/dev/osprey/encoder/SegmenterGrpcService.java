package dev.osprey.encoder;

import dev.osprey.encoder.sam.SegmentAnything;
import dev.osprey.internal.v1.PrepareImageRequest;
import dev.osprey.internal.v1.PrepareImageResponse;
import dev.osprey.internal.v1.SegmentAllRequest;
import dev.osprey.internal.v1.SegmentAllResponse;
import dev.osprey.internal.v1.SegmentRequest;
import dev.osprey.internal.v1.SegmentResponse;
import dev.osprey.internal.v1.SegmenterGrpc;
import dev.osprey.service.CallerWaiting;
import io.grpc.Context;
import io.grpc.stub.StreamObserver;
import java.util.function.Supplier;

/**
 * The Segmenter gRPC service: maps messages to {@link dev.osprey.encoder.sam.SamSegmenter} and
 * {@link dev.osprey.encoder.sam.AutomaticSegmenter} calls and back,
 * timing each. Served by the encoder beside the Encoder service, with the same internal token; without
 * SAM in the bundle every call fails with UNIMPLEMENTED saying so.
 */
class SegmenterGrpcService extends SegmenterGrpc.SegmenterImplBase {

    private final SegmentAnything sam;
    private final SamMetrics metrics;

    SegmenterGrpcService(SegmentAnything sam, SamMetrics metrics) {
        this.sam = sam;
        this.metrics = metrics;
    }

    @Override
    public void segment(SegmentRequest request, StreamObserver<SegmentResponse> response) {
        answer(response, SamMetrics.Call.SEGMENT, () -> SegmentMessages.segmented(request.getImageId(),
                sam.segmenter().segment(request.getImageId(), SegmentMessages.prompt(request), request.getMultimask())));
    }

    @Override
    public void segmentAll(SegmentAllRequest request, StreamObserver<SegmentAllResponse> response) {
        // A caller that goes (a describe-all stopped, a deadline passed) stops the generator at its next crop or batch.
        Context call = Context.current();
        answer(response, SamMetrics.Call.SEGMENT_ALL, () -> SegmentMessages.automatic(request.getImageId(),
                sam.automatic().segmentAll(request.getImageId(), SegmentMessages.params(request.getParams()),
                        request.getMaxMasks(), call::isCancelled)));
    }

    @Override
    public void prepareImage(PrepareImageRequest request, StreamObserver<PrepareImageResponse> response) {
        answer(response, SamMetrics.Call.PREPARE_IMAGE,
                () -> PrepareImageResponse.newBuilder().setCached(sam.segmenter().prepare(request.getImageId())).build());
    }

    private <T> void answer(StreamObserver<T> response, SamMetrics.Call call, Supplier<T> work) {
        CallerWaiting.answer(response, () -> metrics.time(call, work));
    }
}
