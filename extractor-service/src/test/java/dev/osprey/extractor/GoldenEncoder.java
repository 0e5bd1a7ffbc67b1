package dev.osprey.extractor;

import dev.osprey.internal.v1.EncoderGrpc;
import dev.osprey.internal.v1.FeatureMaps;
import dev.osprey.internal.v1.GetFeaturesRequest;
import dev.osprey.model.Golden;
import dev.osprey.model.checkpoint.SafetensorsFile;
import dev.osprey.model.tensor.Tensor;
import dev.osprey.service.TensorMessages;
import io.grpc.Grpc;
import io.grpc.InsecureServerCredentials;
import io.grpc.Server;
import io.grpc.Status;
import io.grpc.stub.StreamObserver;
import java.io.IOException;
import java.util.concurrent.atomic.AtomicInteger;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * An encoder on a loopback port that serves the golden res2..res5 of each golden case, the image id
 * being the case name: the extractor is then fed the reference's own inputs, as the acceptance metric
 * prescribes. Counts GetFeatures calls.
 */
final class GoldenEncoder extends EncoderGrpc.EncoderImplBase implements AutoCloseable {

    final AtomicInteger featureCalls = new AtomicInteger();
    private final Server server;

    GoldenEncoder() throws IOException {
        server = Grpc.newServerBuilderForPort(0, InsecureServerCredentials.create()).addService(this).build().start();
    }

    String address() {
        return "127.0.0.1:" + server.getPort();
    }

    @Override
    public void getFeatures(GetFeaturesRequest request, StreamObserver<FeatureMaps> responses) {
        featureCalls.incrementAndGet();
        String caseName = request.getImageId();
        if (!java.util.Arrays.asList(Golden.CASES).contains(caseName)) {
            responses.onError(Status.NOT_FOUND.withDescription("image " + caseName + " is not known: upload the image again")
                    .asRuntimeException());
            return;
        }
        JsonNode size = JsonMapper.builder().build().readTree(Golden.file("reference/" + caseName + "/result.json").toFile())
                .get("image_size_wh");
        FeatureMaps.Builder maps = FeatureMaps.newBuilder().setImageId(caseName)
                .setWidth(size.get(0).asInt()).setHeight(size.get(1).asInt());
        try (SafetensorsFile golden = Golden.tensors(caseName)) {
            for (String level : dev.osprey.model.region.FeatureMaps.NAMES) {
                Tensor t = golden.get(level);
                maps.addMaps(TensorMessages.floats(level, t.shape(), t.toFloats()));
            }
        }
        responses.onNext(maps.build());
        responses.onCompleted();
    }

    @Override
    public void close() {
        server.shutdownNow();
    }
}
