package dev.osprey.encoder.triton;

import dev.osprey.encoder.sam.SamImageEncoder;
import dev.osprey.kserve.v2.ModelInferRequest;
import dev.osprey.model.sam.SamEmbedding;
import dev.osprey.model.sam.SamEncoderGraphBuilder;
import dev.osprey.model.sam.SamInput;
import java.util.List;

/**
 * SAM's image encoder on a Triton server, over KServe v2 gRPC, as the bundle's Triton repository holds
 * it: input {@code input_image} FP32 [1,3,S,S] (preprocessed here), output {@code image_embeddings}
 * [1,C,64,64], raw little-endian contents. One image per call: an image is embedded once, when first
 * clicked, so there is nothing to batch.
 */
public final class TritonSamImageEncoder extends TritonModel implements SamImageEncoder {

    /**
     * Takes ownership of {@code client}.
     *
     * @param model   the SAM image encoder's name in the repository
     * @param version its version; empty: the server's choice
     */
    public TritonSamImageEncoder(KserveClient client, String model, String version) {
        super(client, model, version);
    }

    @Override
    public SamEmbedding embed(SamInput input) {
        long side = Math.round(Math.sqrt(input.pixels().length / 3.0));
        ModelInferRequest request = request()
                .addInputs(ModelInferRequest.InferInputTensor.newBuilder().setName(SamEncoderGraphBuilder.INPUT_IMAGE)
                        .setDatatype(BatchOutputs.FP32).addAllShape(List.of(1L, 3L, side, side)))
                .addRawInputContents(RawTensors.bytes(input.pixels()))
                .addOutputs(ModelInferRequest.InferRequestedOutputTensor.newBuilder().setName(SamEncoderGraphBuilder.IMAGE_EMBEDDINGS))
                .build();
        BatchOutputs.Output embeddings = outputsOf(client.infer(request), 1).required(SamEncoderGraphBuilder.IMAGE_EMBEDDINGS, 3);
        return new SamEmbedding(embeddings.item(0), (int) embeddings.shape()[0], input.originalHeight(), input.originalWidth(),
                input.inputHeight(), input.inputWidth());
    }
}
