package dev.osprey.gateway.grpc;

import dev.osprey.api.v1.AnswerEvent;
import dev.osprey.api.v1.AskRequest;
import dev.osprey.api.v1.DeleteImageRequest;
import dev.osprey.api.v1.DeleteImageResponse;
import dev.osprey.api.v1.DescribeAllRequest;
import dev.osprey.api.v1.DescribedMask;
import dev.osprey.api.v1.RegionServiceGrpc;
import dev.osprey.api.v1.SegmentRequest;
import dev.osprey.api.v1.SegmentResponse;
import dev.osprey.api.v1.UploadImageRequest;
import dev.osprey.api.v1.UploadImageResponse;
import dev.osprey.gateway.access.AccessInterceptor;
import dev.osprey.gateway.flow.RegionAsks;
import dev.osprey.gateway.flow.SamAsks;
import dev.osprey.service.GrpcErrors;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.Disposable;
import reactor.core.Disposables;
import reactor.core.publisher.Flux;

/**
 * The public gRPC API, {@code osprey.v1.RegionService}: each RPC subscribes to the matching
 * {@link RegionAsks} or {@link SamAsks} flow, as the tenant {@link AccessInterceptor} admitted the call as. A client that
 * cancels (or whose deadline passes) disposes the flow, which cancels the backend calls in turn.
 */
public final class RegionGrpcService extends RegionServiceGrpc.RegionServiceImplBase {

    private static final Logger log = LoggerFactory.getLogger(RegionGrpcService.class);

    private final RegionAsks asks;
    private final SamAsks sam;

    public RegionGrpcService(RegionAsks asks, SamAsks sam) {
        this.asks = asks;
        this.sam = sam;
    }

    @Override
    public void uploadImage(UploadImageRequest request, StreamObserver<UploadImageResponse> responses) {
        relay(asks.upload(AccessInterceptor.tenant(), request.getImage(), request.getPrepareSegmentation()).flux(), responses);
    }

    @Override
    public void deleteImage(DeleteImageRequest request, StreamObserver<DeleteImageResponse> responses) {
        relay(asks.delete(AccessInterceptor.tenant(), request.getImageId()).map(deleted -> DeleteImageResponse.newBuilder().setDeleted(deleted).build()).flux(),
                responses);
    }

    @Override
    public void ask(AskRequest request, StreamObserver<AnswerEvent> responses) {
        relay(asks.ask(AccessInterceptor.tenant(), request), responses);
    }

    @Override
    public void segment(SegmentRequest request, StreamObserver<SegmentResponse> responses) {
        relay(sam.segment(AccessInterceptor.tenant(), request).flux(), responses);
    }

    @Override
    public void describeAll(DescribeAllRequest request, StreamObserver<DescribedMask> responses) {
        relay(sam.describeAll(AccessInterceptor.tenant(), request), responses);
    }

    private static <T> void relay(Flux<T> flow, StreamObserver<T> responses) {
        ServerCallStreamObserver<T> call = (ServerCallStreamObserver<T>) responses;
        String requestId = RequestIdInterceptor.current();
        // The handler must be set before anything is sent; a cancel that comes first disposes the flow on arrival.
        Disposable.Swap subscription = Disposables.swap();
        call.setOnCancelHandler(subscription::dispose);
        // contextCapture: the flow's backend calls run in this call's trace, on whichever thread they continue.
        subscription.update(flow.contextCapture().subscribe(
                value -> {
                    if (!call.isCancelled()) {
                        call.onNext(value);
                    }
                },
                failure -> {
                    StatusRuntimeException status = GrpcErrors.toStatus(failure);
                    // The cause says what the client is not told, e.g. which backend address failed.
                    log.info("request {} failed: {} {}{}", requestId, status.getStatus().getCode(), status.getStatus().getDescription(),
                            failure.getCause() == null ? "" : " (" + failure.getCause().getMessage() + ")");
                    if (!call.isCancelled()) {
                        call.onError(status);
                    }
                },
                call::onCompleted));
    }
}
