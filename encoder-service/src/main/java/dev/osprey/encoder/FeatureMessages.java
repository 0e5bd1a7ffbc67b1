package dev.osprey.encoder;

import dev.osprey.encoder.features.EncodedImage;
import dev.osprey.encoder.features.FeatureStore;
import dev.osprey.internal.v1.EncodeResponse;
import dev.osprey.internal.v1.FeatureMaps;
import dev.osprey.internal.v1.ImageTokens;
import dev.osprey.model.vision.FeatureMap;
import dev.osprey.model.vision.VisionFeatures;
import dev.osprey.model.vision.VisionGraphBuilder;
import dev.osprey.service.TensorMessages;

/** Encoded images as Encoder messages: float32 tensors as raw little-endian bytes. */
final class FeatureMessages {

    private FeatureMessages() {
    }

    static EncodeResponse encoded(FeatureStore.Encoding encoding) {
        EncodedImage image = encoding.image();
        EncodeResponse.Builder reply = EncodeResponse.newBuilder().setImageId(image.imageId())
                .setWidth(image.width()).setHeight(image.height()).setCached(encoding.cached());
        for (FeatureMap level : image.features().levels()) {
            reply.addFeatures(TensorMessages.info(level.name(), level.shape()));
        }
        return reply.addFeatures(TensorMessages.info(VisionGraphBuilder.IMAGE_EMBEDS, embedsShape(image.features()))).build();
    }

    static FeatureMaps featureMaps(EncodedImage image) {
        FeatureMaps.Builder reply = FeatureMaps.newBuilder().setImageId(image.imageId()).setWidth(image.width()).setHeight(image.height());
        for (FeatureMap level : image.features().levels()) {
            reply.addMaps(TensorMessages.featureMap(level));
        }
        return reply.build();
    }

    static ImageTokens imageTokens(EncodedImage image) {
        VisionFeatures features = image.features();
        return ImageTokens.newBuilder().setImageId(image.imageId())
                .setImageEmbeds(TensorMessages.floats(VisionGraphBuilder.IMAGE_EMBEDS, embedsShape(features), features.imageEmbeds()))
                .build();
    }

    private static long[] embedsShape(VisionFeatures features) {
        return new long[] {features.tokens(), features.hidden()};
    }
}
