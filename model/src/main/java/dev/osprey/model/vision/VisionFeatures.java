package dev.osprey.model.vision;

import dev.osprey.model.error.OspreyException;
import dev.osprey.model.error.Reason;
import dev.osprey.model.tensor.Tensor;
import java.util.List;

/**
 * What the vision tower gives for one image: the four ConvNeXt feature maps the MaskExtractor pools
 * (spec §1.2, §3) and the projected image tokens the LLM reads (spec §1.5, §2).
 *
 * @param res2        stage 0 output [C0, 128, 128]
 * @param res3        stage 1 output [C1, 64, 64]
 * @param res4        stage 2 output [C2, 32, 32]
 * @param res5        stage 3 output [C3, 16, 16]
 * @param imageEmbeds image tokens [tokens, hidden] row-major
 * @param tokens      number of image tokens (1024)
 * @param hidden      width of an image token (the LLM hidden size)
 */
public record VisionFeatures(FeatureMap res2, FeatureMap res3, FeatureMap res4, FeatureMap res5,
        float[] imageEmbeds, int tokens, int hidden) {

    public VisionFeatures {
        if ((long) tokens * hidden != imageEmbeds.length) {
            throw new OspreyException(Reason.INTERNAL, "image_embeds is " + tokens + "x" + hidden
                    + " but holds " + imageEmbeds.length + " values");
        }
    }

    /** res2..res5 in order. */
    public List<FeatureMap> levels() {
        return List.of(res2, res3, res4, res5);
    }

    /** res2..res5 [C,H,W] and image_embeds [tokens, hidden] as named float32 tensors. */
    public List<Tensor> toTensors() {
        return List.of(res2.toTensor(), res3.toTensor(), res4.toTensor(), res5.toTensor(),
                Tensor.ofFloats(VisionGraphBuilder.IMAGE_EMBEDS, new long[] {tokens, hidden}, imageEmbeds));
    }
}
