package dev.osprey.model.sam;

import dev.osprey.model.checkpoint.TensorStore;
import dev.osprey.model.error.OspreyException;
import dev.osprey.model.tensor.Shape;
import java.util.ArrayList;
import java.util.List;
import java.util.function.IntFunction;

/**
 * The sizes that a SAM state dict's shapes tell (everything but the decoder's head count), read
 * from a handful of tensors; {@link SamKeys#check} then checks every tensor against the geometry.
 */
record SamShapes(int imageSize, int patchSize, int encoderDim, int encoderDepth, int encoderHeads, int encoderMlpDim,
        List<Integer> globalAttnIndexes, int windowSize, int channels, int maskInChans, int decoderDepth, int decoderMlpDim,
        int attentionDownsample, int iouHeadDepth, int iouHeadHiddenDim, int multimaskOutputs) {

    static SamShapes read(TensorStore store) {
        long[] patch = shape(store, SamKeys.PATCH_EMBED + ".weight", 4);
        int encoderDim = (int) patch[0];
        int patchSize = (int) patch[2];
        long[] pos = shape(store, SamKeys.POS_EMBED, 4);
        int grid = (int) pos[1];
        int depth = count(store, i -> SamKeys.block(i) + "norm1.weight");
        if (depth == 0) {
            throw OspreyException.badCheckpoint("not a SAM checkpoint: no " + SamKeys.block(0) + "norm1.weight");
        }
        List<Integer> global = new ArrayList<>();
        int window = 0;
        int headDim = 0;
        for (int i = 0; i < depth; i++) {
            long[] rel = shape(store, SamKeys.block(i) + "attn.rel_pos_h", 2);
            headDim = (int) rel[1];
            int side = (int) (rel[0] + 1) / 2;
            if (side == grid) {
                global.add(i);
            } else if (window == 0 || window == side) {
                window = side;
            } else {
                throw OspreyException.badCheckpoint(SamKeys.block(i) + "attn.rel_pos_h is " + Shape.toString(rel)
                        + ": windowed blocks of one model share one window size (" + window + ", so " + (2 * window - 1) + " rows)");
            }
        }
        if (headDim <= 0 || encoderDim % headDim != 0) {
            throw OspreyException.badCheckpoint("relative position tables of width " + headDim + " do not divide the ViT width " + encoderDim);
        }
        int mlp = (int) shape(store, SamKeys.block(0) + "mlp.lin1.weight", 2)[0];
        int channels = (int) shape(store, SamKeys.ENCODER + "neck.0.weight", 4)[0];
        int maskInChans = (int) shape(store, SamKeys.MASK_DOWNSCALING + "3.weight", 4)[0];
        int decoderDepth = count(store, i -> SamKeys.TRANSFORMER + "layers." + i + ".norm1.weight");
        int decoderMlp = (int) shape(store, SamKeys.TRANSFORMER + "layers.0.mlp.lin1.weight", 2)[0];
        int crossWidth = (int) shape(store, SamKeys.TRANSFORMER + "final_attn_token_to_image.q_proj.weight", 2)[0];
        int maskTokens = (int) shape(store, SamKeys.DECODER + "mask_tokens.weight", 2)[0];
        int iouDepth = count(store, i -> SamKeys.DECODER + "iou_prediction_head.layers." + i + ".weight");
        int iouHidden = (int) shape(store, SamKeys.DECODER + "iou_prediction_head.layers.0.weight", 2)[0];
        if (crossWidth <= 0 || channels % crossWidth != 0) {
            throw OspreyException.badCheckpoint("the decoder's cross attention width " + crossWidth + " does not divide its width " + channels);
        }
        return new SamShapes(grid * patchSize, patchSize, encoderDim, depth, encoderDim / headDim, mlp, global, window == 0 ? grid : window,
                channels, maskInChans, decoderDepth, decoderMlp, channels / crossWidth, iouDepth, iouHidden, maskTokens - 1);
    }

    /** The geometry with what shapes do not tell. */
    SamConfig config(String variant, int decoderHeads, double encoderEps, double decoderEps) {
        return new SamConfig(variant, imageSize, patchSize, encoderDim, encoderDepth, encoderHeads, encoderMlpDim, globalAttnIndexes,
                windowSize, channels, maskInChans, decoderDepth, decoderHeads, decoderMlpDim, attentionDownsample, iouHeadDepth,
                iouHeadHiddenDim, multimaskOutputs, SamConfig.PIXEL_MEAN, SamConfig.PIXEL_STD, encoderEps, decoderEps);
    }

    /** For messages: the sizes that tell the variants apart. */
    String describe() {
        return "ViT width " + encoderDim + ", depth " + encoderDepth + ", global blocks " + globalAttnIndexes + ", prompt width " + channels;
    }

    private static long[] shape(TensorStore store, String key, int rank) {
        if (!store.contains(key)) {
            throw OspreyException.badCheckpoint("SAM checkpoint lacks " + key + " (is this a SAM image-encoder/prompt-encoder/mask-decoder"
                    + " state dict with the official key names?)");
        }
        long[] shape = store.get(key).shape();
        if (shape.length != rank) {
            throw OspreyException.badCheckpoint("SAM tensor " + key + " is " + Shape.toString(shape) + ", expected " + rank + " dimensions");
        }
        return shape;
    }

    private static int count(TensorStore store, IntFunction<String> key) {
        int n = 0;
        while (store.contains(key.apply(n))) {
            n++;
        }
        return n;
    }
}
