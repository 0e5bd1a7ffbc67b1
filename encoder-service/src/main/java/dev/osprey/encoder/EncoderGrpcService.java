package dev.osprey.encoder;

import com.google.protobuf.UnsafeByteOperations;
import dev.osprey.encoder.features.FeatureStore;
import dev.osprey.internal.v1.EncodeRequest;
import dev.osprey.internal.v1.EncodeResponse;
import dev.osprey.internal.v1.EncoderGrpc;
import dev.osprey.internal.v1.FeatureMaps;
import dev.osprey.internal.v1.ForgetRequest;
import dev.osprey.internal.v1.ForgetResponse;
import dev.osprey.internal.v1.GetFeaturesRequest;
import dev.osprey.internal.v1.GetImageRequest;
import dev.osprey.internal.v1.GetImageTokensRequest;
import dev.osprey.internal.v1.ImageBytes;
import dev.osprey.internal.v1.ImageTokens;
import dev.osprey.model.pipeline.ImageId;
import dev.osprey.service.CallerWaiting;
import dev.osprey.service.GrpcErrorHandler;
import io.grpc.stub.StreamObserver;

/**
 * The Encoder gRPC service: maps messages to {@link FeatureStore} calls and back. Each call first
 * checks that its caller is still waiting (deadline not passed, not cancelled), so no image is decoded
 * or encoded for nobody; failures become statuses in {@link GrpcErrorHandler}.
 */
class EncoderGrpcService extends EncoderGrpc.EncoderImplBase {

    private final FeatureStore store;

    EncoderGrpcService(FeatureStore store) {
        this.store = store;
    }

    @Override
    public void encode(EncodeRequest request, StreamObserver<EncodeResponse> response) {
        CallerWaiting.answer(response, () -> {
            byte[] image = request.getImage().toByteArray();
            return FeatureMessages.encoded(store.encode(ImageId.scoped(request.getScope(), ImageId.of(image)), image));
        });
    }

    @Override
    public void getFeatures(GetFeaturesRequest request, StreamObserver<FeatureMaps> response) {
        CallerWaiting.answer(response, () -> FeatureMessages.featureMaps(store.features(request.getImageId())));
    }

    @Override
    public void getImageTokens(GetImageTokensRequest request, StreamObserver<ImageTokens> response) {
        CallerWaiting.answer(response, () -> FeatureMessages.imageTokens(store.features(request.getImageId())));
    }

    @Override
    public void getImage(GetImageRequest request, StreamObserver<ImageBytes> response) {
        CallerWaiting.answer(response, () -> ImageBytes.newBuilder().setImageId(request.getImageId())
                .setImage(UnsafeByteOperations.unsafeWrap(store.imageBytes(request.getImageId()))).build());
    }

    @Override
    public void forget(ForgetRequest request, StreamObserver<ForgetResponse> response) {
        CallerWaiting.answer(response, () -> ForgetResponse.newBuilder().setForgotten(store.forget(request.getImageId())).build());
    }
}
