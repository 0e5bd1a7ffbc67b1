package dev.osprey.extractor;

import dev.osprey.internal.v1.EncoderGrpc;
import dev.osprey.internal.v1.FeatureMaps;
import dev.osprey.internal.v1.GetFeaturesRequest;
import dev.osprey.service.TensorMessages;
import io.grpc.Grpc;
import io.grpc.InsecureServerCredentials;
import io.grpc.Server;
import io.grpc.Status;
import io.grpc.stub.StreamObserver;
import java.io.IOException;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A stand-in encoder on a loopback port serving fixed feature maps by image id, so that the
 * extractor is tested and measured on features we choose. Counts GetFeatures calls.
 */
final class FeatureServer extends EncoderGrpc.EncoderImplBase implements AutoCloseable {

    final AtomicInteger featureCalls = new AtomicInteger();
    private final Map<String, FeatureMaps> images = new ConcurrentHashMap<>();
    private final Server server;

    FeatureServer() throws IOException {
        server = Grpc.newServerBuilderForPort(0, InsecureServerCredentials.create()).addService(this)
                .maxInboundMessageSize(64 << 20).build().start();
    }

    /** Serves {@code maps} (res2..res5) as the features of a {@code width x height} image. */
    void put(String imageId, int width, int height, dev.osprey.model.region.FeatureMaps maps) {
        FeatureMaps.Builder message = FeatureMaps.newBuilder().setImageId(imageId).setWidth(width).setHeight(height);
        maps.levels().forEach(level -> message.addMaps(TensorMessages.featureMap(level)));
        images.put(imageId, message.build());
    }

    String address() {
        return "127.0.0.1:" + server.getPort();
    }

    @Override
    public void getFeatures(GetFeaturesRequest request, StreamObserver<FeatureMaps> responses) {
        featureCalls.incrementAndGet();
        FeatureMaps maps = images.get(request.getImageId());
        if (maps == null) {
            responses.onError(Status.NOT_FOUND.withDescription("image " + request.getImageId() + " is not known: upload the image again")
                    .asRuntimeException());
            return;
        }
        responses.onNext(maps);
        responses.onCompleted();
    }

    @Override
    public void close() {
        server.shutdownNow();
    }
}
