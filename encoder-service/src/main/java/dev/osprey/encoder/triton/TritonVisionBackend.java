package dev.osprey.encoder.triton;

import com.google.protobuf.ByteString;
import dev.osprey.encoder.vision.VisionBackend;
import dev.osprey.kserve.v2.ModelInferRequest;
import dev.osprey.kserve.v2.ModelInferResponse;
import dev.osprey.model.error.OspreyException;
import dev.osprey.model.error.Reason;
import dev.osprey.model.vision.FeatureMap;
import dev.osprey.model.vision.TritonRepository;
import dev.osprey.model.vision.VisionConfig;
import dev.osprey.model.vision.VisionFeatures;
import dev.osprey.model.vision.VisionGraphBuilder;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The vision tower on a Triton server, over KServe v2 gRPC: the model {@link TritonRepository} writes
 * ({@code osprey_vision}: input {@code pixel_values} FP32 [N,3,S,S], outputs {@code res2..res5}
 * [N,C,H,W] and {@code image_embeds} [N,tokens,hidden]), one ModelInfer per batch, tensors as raw
 * little-endian contents. A batch must not exceed the repository's {@code max_batch_size}.
 */
public final class TritonVisionBackend implements VisionBackend {

    /** KServe's name for float32. */
    static final String FP32 = "FP32";

    private final KserveClient client;
    private final String model;
    private final String version;
    private final int imageSize;
    private final List<String> outputs;

    /**
     * Takes ownership of {@code client}.
     *
     * @param model     the model's name in the repository ({@link TritonRepository#MODEL_NAME})
     * @param version   its version; empty: the server's choice
     * @param imageSize S of the pixel_values [3,S,S] the model takes
     */
    public TritonVisionBackend(KserveClient client, String model, String version, int imageSize) {
        this.client = client;
        this.model = model;
        this.version = version;
        this.imageSize = imageSize;
        List<String> names = new ArrayList<>();
        for (int s = 0; s < VisionConfig.STAGES; s++) {
            names.add(VisionGraphBuilder.levelName(s));
        }
        names.add(VisionGraphBuilder.IMAGE_EMBEDS);
        this.outputs = List.copyOf(names);
    }

    @Override
    public List<VisionFeatures> encode(float[] pixelValues) {
        int imageFloats = 3 * imageSize * imageSize;
        if (pixelValues.length == 0 || pixelValues.length % imageFloats != 0) {
            throw new IllegalArgumentException(pixelValues.length + " floats are not whole images of " + imageFloats);
        }
        int batch = pixelValues.length / imageFloats;
        ModelInferRequest.Builder request = ModelInferRequest.newBuilder().setModelName(model).setModelVersion(version)
                .addInputs(ModelInferRequest.InferInputTensor.newBuilder().setName(VisionGraphBuilder.PIXEL_VALUES).setDatatype(FP32)
                        .addAllShape(List.of((long) batch, 3L, (long) imageSize, (long) imageSize)))
                .addRawInputContents(RawTensors.bytes(pixelValues));
        outputs.forEach(name -> request.addOutputs(ModelInferRequest.InferRequestedOutputTensor.newBuilder().setName(name)));
        return split(client.infer(request.build()), batch);
    }

    /** One output of a batch: its per-image shape and raw contents. */
    private record Output(long[] shape, int imageFloats, ByteString raw) {
    }

    private List<VisionFeatures> split(ModelInferResponse response, int batch) {
        Map<String, Output> byName = new HashMap<>();
        for (int i = 0; i < response.getOutputsCount(); i++) {
            ModelInferResponse.InferOutputTensor tensor = response.getOutputs(i);
            byName.put(tensor.getName(), output(tensor, i < response.getRawOutputContentsCount() ? response.getRawOutputContents(i) : null,
                    batch));
        }
        List<VisionFeatures> images = new ArrayList<>(batch);
        for (int image = 0; image < batch; image++) {
            List<FeatureMap> levels = new ArrayList<>();
            for (String name : outputs.subList(0, VisionConfig.STAGES)) {
                Output level = required(byName, name, 3);
                levels.add(new FeatureMap(name, (int) level.shape()[0], (int) level.shape()[1], (int) level.shape()[2],
                        slice(level, image)));
            }
            Output embeds = required(byName, VisionGraphBuilder.IMAGE_EMBEDS, 2);
            images.add(new VisionFeatures(levels.get(0), levels.get(1), levels.get(2), levels.get(3), slice(embeds, image),
                    (int) embeds.shape()[0], (int) embeds.shape()[1]));
        }
        return images;
    }

    private Output output(ModelInferResponse.InferOutputTensor tensor, ByteString raw, int batch) {
        long[] shape = tensor.getShapeList().stream().mapToLong(Long::longValue).toArray();
        if (!tensor.getDatatype().equals(FP32) || shape.length < 2 || shape[0] != batch || raw == null) {
            throw malformed("output '" + tensor.getName() + "' is " + tensor.getDatatype() + " " + Arrays.toString(shape)
                    + (raw == null ? " without raw contents" : "") + ", expected " + FP32 + " [" + batch + ", ...] as raw contents");
        }
        long[] perImage = Arrays.copyOfRange(shape, 1, shape.length);
        long floats = Arrays.stream(perImage).reduce(1, Math::multiplyExact);
        if (raw.size() != batch * floats * Float.BYTES) {
            throw malformed("output '" + tensor.getName() + "' has " + raw.size() + " bytes for shape " + Arrays.toString(shape));
        }
        return new Output(perImage, Math.toIntExact(floats), raw);
    }

    private Output required(Map<String, Output> byName, String name, int rank) {
        Output output = byName.get(name);
        if (output == null || output.shape().length != rank) {
            throw malformed(output == null ? "no output '" + name + "'" : "output '" + name + "' has rank " + (output.shape().length + 1));
        }
        return output;
    }

    private static float[] slice(Output output, int image) {
        return RawTensors.floats(output.raw(), image * output.imageFloats(), output.imageFloats());
    }

    private OspreyException malformed(String what) {
        return new OspreyException(Reason.INTERNAL, "Triton at " + client.address() + ", model " + model + ": " + what
                + "; is the model repository the one `osprey convert` wrote?");
    }

    @Override
    public String name() {
        return "triton";
    }

    /** Whether Triton answers ServerReady and ModelReady with true. */
    @Override
    public boolean ready() {
        return client.serverReady() && client.modelReady(model, version);
    }

    /** The client, for its address. */
    public KserveClient client() {
        return client;
    }

    @Override
    public void close() {
        client.close();
    }
}
