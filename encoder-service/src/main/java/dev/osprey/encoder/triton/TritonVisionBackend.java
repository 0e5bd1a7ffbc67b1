package dev.osprey.encoder.triton;

import dev.osprey.encoder.vision.VisionBackend;
import dev.osprey.kserve.v2.ModelInferRequest;
import dev.osprey.kserve.v2.ModelInferResponse;
import dev.osprey.model.vision.FeatureMap;
import dev.osprey.model.vision.TritonRepository;
import dev.osprey.model.vision.VisionConfig;
import dev.osprey.model.vision.VisionFeatures;
import dev.osprey.model.vision.VisionGraphBuilder;
import java.util.ArrayList;
import java.util.List;

/**
 * The vision tower on a Triton server, over KServe v2 gRPC: the model {@link TritonRepository} writes
 * ({@code osprey_vision}: input {@code pixel_values} FP32 [N,3,S,S], outputs {@code res2..res5}
 * [N,C,H,W] and {@code image_embeds} [N,tokens,hidden]), one ModelInfer per batch, tensors as raw
 * little-endian contents. A batch must not exceed the repository's {@code max_batch_size}.
 */
public final class TritonVisionBackend extends TritonModel implements VisionBackend {

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
        super(client, model, version);
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
        ModelInferRequest.Builder request = request()
                .addInputs(ModelInferRequest.InferInputTensor.newBuilder().setName(VisionGraphBuilder.PIXEL_VALUES).setDatatype(BatchOutputs.FP32)
                        .addAllShape(List.of((long) batch, 3L, (long) imageSize, (long) imageSize)))
                .addRawInputContents(RawTensors.bytes(pixelValues));
        outputs.forEach(name -> request.addOutputs(ModelInferRequest.InferRequestedOutputTensor.newBuilder().setName(name)));
        return split(client.infer(request.build()), batch);
    }

    private List<VisionFeatures> split(ModelInferResponse response, int batch) {
        BatchOutputs tensors = outputsOf(response, batch);
        List<VisionFeatures> images = new ArrayList<>(batch);
        for (int image = 0; image < batch; image++) {
            List<FeatureMap> levels = new ArrayList<>();
            for (String name : outputs.subList(0, VisionConfig.STAGES)) {
                BatchOutputs.Output level = tensors.required(name, 3);
                levels.add(new FeatureMap(name, (int) level.shape()[0], (int) level.shape()[1], (int) level.shape()[2], level.item(image)));
            }
            BatchOutputs.Output embeds = tensors.required(VisionGraphBuilder.IMAGE_EMBEDS, 2);
            images.add(new VisionFeatures(levels.get(0), levels.get(1), levels.get(2), levels.get(3), embeds.item(image),
                    (int) embeds.shape()[0], (int) embeds.shape()[1]));
        }
        return images;
    }
}
