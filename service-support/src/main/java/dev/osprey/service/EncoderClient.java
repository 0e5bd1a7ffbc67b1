package dev.osprey.service;

import dev.osprey.internal.v1.EncoderGrpc;
import dev.osprey.internal.v1.FeatureMaps;
import dev.osprey.internal.v1.GetFeaturesRequest;
import dev.osprey.internal.v1.GetImageTokensRequest;
import dev.osprey.internal.v1.ImageTokens;
import dev.osprey.model.vision.FeatureMap;
import io.grpc.ManagedChannel;
import io.grpc.StatusRuntimeException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * What the extractor and the llm-service ask of encoder-service: an image's feature maps and its
 * image tokens, by image_id. Each call has a deadline; the caller's own gRPC deadline, when earlier,
 * applies too (gRPC takes the earlier one when the call runs in the caller's context). Failures come
 * back as the caller can pass them on: NOT_FOUND and INVALID_ARGUMENT as the encoder's statuses, an
 * encoder that cannot be reached as {@link ServiceException#unavailable(String, String, Throwable)}.
 */
public final class EncoderClient {

    /** An image's feature maps res2..res5 and its size after EXIF orientation. */
    public record Features(int width, int height, dev.osprey.model.region.FeatureMaps maps) {
    }

    private final EncoderChannels channels;
    private final Duration deadline;

    public EncoderClient(EncoderChannels channels, Duration deadline) {
        this.channels = channels;
        this.deadline = deadline;
    }

    /**
     * Refuses an {@code encoder_address} that is not a configured replica (PERMISSION_DENIED), before
     * anything is fetched or answered from a cache.
     */
    public void requireKnown(String address) {
        channels.resolve(address);
    }

    /** The feature maps of an encoded image, from the encoder at {@code address} (empty: the default). */
    public Features features(String address, String imageId) {
        FeatureMaps reply = call(address, stub -> stub.getFeatures(GetFeaturesRequest.newBuilder().setImageId(imageId).build()));
        List<FeatureMap> levels = new ArrayList<>(reply.getMapsCount());
        for (int k = 0; k < reply.getMapsCount(); k++) {
            levels.add(TensorMessages.featureMap(reply.getMaps(k), "encoder feature map " + k));
        }
        return new Features(reply.getWidth(), reply.getHeight(), new dev.osprey.model.region.FeatureMaps(levels));
    }

    /** The projected image tokens [tokens, hidden] of an encoded image, row-major. */
    public float[] imageTokens(String address, String imageId, int tokens, int hidden) {
        ImageTokens reply = call(address, stub -> stub.getImageTokens(GetImageTokensRequest.newBuilder().setImageId(imageId).build()));
        return TensorMessages.floats(reply.getImageEmbeds(), "encoder image_embeds", tokens, hidden);
    }

    private <T> T call(String address, java.util.function.Function<EncoderGrpc.EncoderBlockingStub, T> rpc) {
        ManagedChannel channel = channels.channel(address);
        try {
            return rpc.apply(EncoderGrpc.newBlockingStub(channel)
                    .withMaxInboundMessageSize(EncoderChannels.MAX_MESSAGE_BYTES)
                    .withDeadlineAfter(deadline.toMillis(), TimeUnit.MILLISECONDS));
        } catch (StatusRuntimeException e) {
            if (GrpcErrors.fromStatus(e).reason() == ErrorReason.UNAVAILABLE) {
                // A restarted encoder is back sooner than gRPC's reconnect backoff (up to 120 s) would notice.
                channel.resetConnectBackoff();
                throw ServiceException.unavailable("encoder-service", channels.resolve(address), e);
            }
            throw e;
        }
    }
}
