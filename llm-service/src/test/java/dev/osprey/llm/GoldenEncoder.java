package dev.osprey.llm;

import dev.osprey.internal.v1.EncoderGrpc;
import dev.osprey.internal.v1.GetImageTokensRequest;
import dev.osprey.internal.v1.ImageTokens;
import dev.osprey.service.TensorMessages;
import io.grpc.Status;
import io.grpc.stub.StreamObserver;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/** An encoder-service stand-in that serves the golden image tokens by image id and counts GetImageTokens calls. */
final class GoldenEncoder extends EncoderGrpc.EncoderImplBase {

    private final Map<String, GoldenImage> images;
    private final AtomicInteger imageTokenCalls = new AtomicInteger();

    GoldenEncoder(GoldenImage... images) {
        this.images = Stream.of(images).collect(Collectors.toMap(GoldenImage::imageId, Function.identity()));
    }

    @Override
    public void getImageTokens(GetImageTokensRequest request, StreamObserver<ImageTokens> responses) {
        imageTokenCalls.incrementAndGet();
        GoldenImage image = images.get(request.getImageId());
        if (image == null) {
            responses.onError(Status.NOT_FOUND.withDescription("image " + request.getImageId() + " is not known; upload the image again")
                    .asRuntimeException());
            return;
        }
        responses.onNext(ImageTokens.newBuilder().setImageId(image.imageId())
                .setImageEmbeds(TensorMessages.floats("image_embeds", new long[] {image.imageEmbeds().length / image.hidden(), image.hidden()},
                        image.imageEmbeds()))
                .build());
        responses.onCompleted();
    }

    /** GetImageTokens calls so far. */
    int imageTokenCalls() {
        return imageTokenCalls.get();
    }
}
