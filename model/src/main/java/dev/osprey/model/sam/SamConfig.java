package dev.osprey.model.sam;

import dev.osprey.model.checkpoint.TensorStore;
import dev.osprey.model.error.OspreyException;
import dev.osprey.model.error.Reason;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/**
 * The geometry of a SAM model, as {@code build_sam.py::_build_sam} takes it. Shapes give all sizes
 * but the decoder's head count (and the encoder's when relative positions are absent); the
 * official variants ({@link SamVariant}) supply it, and {@code sam_config.json} (the golden set's
 * format, read by {@link #infer}) gives it for other geometries.
 *
 * @param variant              vit_b, vit_l, vit_h, or "custom"
 * @param imageSize            the padded square input side (1024)
 * @param patchSize            patch conv kernel and stride (16): the embedding grid is {@code imageSize / patchSize}
 * @param encoderDim           ViT width
 * @param encoderDepth         ViT blocks
 * @param encoderHeads         ViT attention heads
 * @param encoderMlpDim        ViT MLP hidden width
 * @param globalAttnIndexes    blocks that attend over the whole grid; the others use windows
 * @param windowSize           window side of the windowed blocks
 * @param channels             neck output = prompt embedding = decoder transformer width (C)
 * @param maskInChans          width of the mask-input downscaler
 * @param decoderDepth         two-way transformer blocks
 * @param decoderHeads         two-way transformer heads
 * @param decoderMlpDim        two-way transformer MLP width
 * @param attentionDownsample  internal width divisor of the cross attentions
 * @param iouHeadDepth         layers of the IoU head
 * @param iouHeadHiddenDim     hidden width of the IoU head
 * @param multimaskOutputs     mask tokens besides the single-mask one (3)
 * @param pixelMean            per-channel mean (0..255 scale)
 * @param pixelStd             per-channel standard deviation
 * @param encoderLayerNormEps  eps of the ViT LayerNorms and of every LayerNorm2d
 * @param decoderLayerNormEps  eps of the two-way transformer's LayerNorms
 */
public record SamConfig(String variant, int imageSize, int patchSize, int encoderDim, int encoderDepth, int encoderHeads,
        int encoderMlpDim, List<Integer> globalAttnIndexes, int windowSize, int channels, int maskInChans, int decoderDepth,
        int decoderHeads, int decoderMlpDim, int attentionDownsample, int iouHeadDepth, int iouHeadHiddenDim, int multimaskOutputs,
        List<Double> pixelMean, List<Double> pixelStd, double encoderLayerNormEps, double decoderLayerNormEps) {

    /** The file name a geometry is read from beside a checkpoint, and written into a bundle. */
    public static final String FILE_NAME = "sam_config.json";
    /** The reference's mean and std (ImageNet, 0..255). */
    static final List<Double> PIXEL_MEAN = List.of(123.675, 116.28, 103.53);
    static final List<Double> PIXEL_STD = List.of(58.395, 57.12, 57.375);
    static final double ENCODER_EPS = 1e-6;
    static final double DECODER_EPS = 1e-5;

    private static final JsonMapper JSON = JsonMapper.builder().build();

    public SamConfig {
        globalAttnIndexes = List.copyOf(globalAttnIndexes);
        pixelMean = List.copyOf(pixelMean);
        pixelStd = List.copyOf(pixelStd);
    }

    /** Side of the image embedding grid (64). */
    public int gridSide() {
        return imageSize / patchSize;
    }

    /** Side of the low-resolution masks (256): the output upscaling doubles the grid twice. */
    public int lowResSide() {
        return 4 * gridSide();
    }

    /** Mask tokens of the decoder: the single-mask token 0 and the multimask tokens. */
    public int maskTokens() {
        return multimaskOutputs + 1;
    }

    /** Floats of one image embedding: C x grid x grid. */
    public int embeddingSize() {
        return channels * gridSide() * gridSide();
    }

    /**
     * The geometry of the SAM weights in {@code weights}: read from {@code configJson} when given
     * (every size it states must agree with the shapes), else inferred from the shapes and, for what
     * they do not tell, from the official variant they match.
     *
     * @param nameHint a file name such as {@code sam_vit_b_01ec64.pth} that may name the variant, or null
     * @throws OspreyException {@code BAD_CHECKPOINT} naming the missing or mis-shaped tensor, or the
     *                         field of {@code sam_config.json} that disagrees
     */
    public static SamConfig infer(TensorStore weights, Path configJson, String nameHint) {
        SamShapes shapes = SamShapes.read(weights);
        JsonNode json = configJson == null ? null : readJson(configJson);
        SamVariant named = SamVariant.named(nameHint);
        SamVariant matched = SamVariant.matching(shapes);
        if (named != null && named != matched) {
            throw OspreyException.badCheckpoint("the file name " + nameHint + " says " + named.label() + " but the weights have "
                    + shapes.describe() + (matched == null ? "" : " (" + matched.label() + ")"));
        }
        if (json == null) {
            if (matched == null) {
                throw OspreyException.badCheckpoint("SAM weights with " + shapes.describe() + " are not vit_b, vit_l or vit_h: put a "
                        + FILE_NAME + " beside the checkpoint (or pass --sam-config) giving image_encoder.num_heads, "
                        + "global_attn_indexes, window_size and mask_decoder.transformer.num_heads");
            }
            return checked(shapes.config(matched.label(), matched.decoderHeads(), ENCODER_EPS, DECODER_EPS), weights, nameHint);
        }
        return checked(fromJson(json, shapes, configJson, matched), weights, nameHint);
    }

    private static SamConfig checked(SamConfig config, TensorStore weights, String source) {
        SamKeys.check(weights, config, source == null ? "the SAM checkpoint" : source);
        return config;
    }

    private static SamConfig fromJson(JsonNode json, SamShapes shapes, Path file, SamVariant matched) {
        JsonNode encoder = json.path("image_encoder");
        JsonNode prompt = json.path("prompt_encoder");
        JsonNode decoder = json.path("mask_decoder");
        JsonNode transformer = decoder.path("transformer");
        SamConfigCheck check = new SamConfigCheck(file);
        check.same("image_size", json.path("image_size"), shapes.imageSize());
        check.same("patch_size", json.path("patch_size"), shapes.patchSize());
        check.same("image_encoder.embed_dim", encoder.path("embed_dim"), shapes.encoderDim());
        check.same("image_encoder.depth", encoder.path("depth"), shapes.encoderDepth());
        check.same("image_encoder.num_heads", encoder.path("num_heads"), shapes.encoderHeads());
        check.sameList("image_encoder.global_attn_indexes", encoder.path("global_attn_indexes"), shapes.globalAttnIndexes());
        check.same("image_encoder.window_size", encoder.path("window_size"), shapes.windowSize());
        check.same("image_encoder.out_chans", encoder.path("out_chans"), shapes.channels());
        check.same("prompt_encoder.embed_dim", prompt.path("embed_dim"), shapes.channels());
        check.same("prompt_encoder.mask_in_chans", prompt.path("mask_in_chans"), shapes.maskInChans());
        check.same("mask_decoder.transformer_dim", decoder.path("transformer_dim"), shapes.channels());
        check.same("mask_decoder.num_multimask_outputs", decoder.path("num_multimask_outputs"), shapes.multimaskOutputs());
        check.same("mask_decoder.iou_head_depth", decoder.path("iou_head_depth"), shapes.iouHeadDepth());
        check.same("mask_decoder.iou_head_hidden_dim", decoder.path("iou_head_hidden_dim"), shapes.iouHeadHiddenDim());
        check.same("mask_decoder.transformer.depth", transformer.path("depth"), shapes.decoderDepth());
        check.same("mask_decoder.transformer.mlp_dim", transformer.path("mlp_dim"), shapes.decoderMlpDim());
        check.same("mask_decoder.transformer.attention_downsample_rate", transformer.path("attention_downsample_rate"),
                shapes.attentionDownsample());
        JsonNode heads = transformer.path("num_heads");
        if (!heads.isIntegralNumber() && matched == null) {
            throw OspreyException.badCheckpoint(file + " lacks mask_decoder.transformer.num_heads, which the weights' shapes do not tell");
        }
        int decoderHeads = heads.isIntegralNumber() ? heads.asInt() : matched.decoderHeads();
        if (decoderHeads <= 0 || (shapes.channels() / shapes.attentionDownsample()) % decoderHeads != 0) {
            throw OspreyException.badCheckpoint(file + ": mask_decoder.transformer.num_heads " + decoderHeads + " does not divide the"
                    + " cross-attention width " + shapes.channels() / shapes.attentionDownsample());
        }
        double encoderEps = encoder.path("layer_norm_eps").asDouble(ENCODER_EPS);
        double decoderEps = transformer.path("layer_norm_eps").asDouble(DECODER_EPS);
        SamConfig config = shapes.config(matched == null ? "custom" : matched.label(), decoderHeads, encoderEps, decoderEps);
        List<Double> mean = check.doubles("pixel_mean", json.path("pixel_mean"), PIXEL_MEAN);
        List<Double> std = check.doubles("pixel_std", json.path("pixel_std"), PIXEL_STD);
        return config.withNormalisation(mean, std);
    }

    private SamConfig withNormalisation(List<Double> mean, List<Double> std) {
        return new SamConfig(variant, imageSize, patchSize, encoderDim, encoderDepth, encoderHeads, encoderMlpDim, globalAttnIndexes,
                windowSize, channels, maskInChans, decoderDepth, decoderHeads, decoderMlpDim, attentionDownsample, iouHeadDepth,
                iouHeadHiddenDim, multimaskOutputs, mean, std, encoderLayerNormEps, decoderLayerNormEps);
    }

    /** This geometry as a {@value #FILE_NAME} (the fields {@link #infer} reads). */
    public String toJson() {
        ObjectNode root = JSON.createObjectNode();
        root.put("variant", variant);
        root.put("image_size", imageSize);
        root.put("patch_size", patchSize);
        pixelMean.forEach(root.putArray("pixel_mean")::add);
        pixelStd.forEach(root.putArray("pixel_std")::add);
        ObjectNode encoder = root.putObject("image_encoder");
        encoder.put("embed_dim", encoderDim);
        encoder.put("depth", encoderDepth);
        encoder.put("num_heads", encoderHeads);
        encoder.put("mlp_dim", encoderMlpDim);
        globalAttnIndexes.forEach(encoder.putArray("global_attn_indexes")::add);
        encoder.put("window_size", windowSize);
        encoder.put("out_chans", channels);
        encoder.put("layer_norm_eps", encoderLayerNormEps);
        ObjectNode prompt = root.putObject("prompt_encoder");
        prompt.put("embed_dim", channels);
        prompt.put("mask_in_chans", maskInChans);
        ObjectNode decoder = root.putObject("mask_decoder");
        decoder.put("transformer_dim", channels);
        decoder.put("num_multimask_outputs", multimaskOutputs);
        decoder.put("iou_head_depth", iouHeadDepth);
        decoder.put("iou_head_hidden_dim", iouHeadHiddenDim);
        ObjectNode transformer = decoder.putObject("transformer");
        transformer.put("depth", decoderDepth);
        transformer.put("num_heads", decoderHeads);
        transformer.put("mlp_dim", decoderMlpDim);
        transformer.put("attention_downsample_rate", attentionDownsample);
        transformer.put("layer_norm_eps", decoderLayerNormEps);
        return JSON.writerWithDefaultPrettyPrinter().writeValueAsString(root);
    }

    /**
     * Reads a {@value #FILE_NAME} written by {@link #toJson} (a bundle's), where every size must be given.
     *
     * @throws OspreyException {@code BAD_BUNDLE} naming a missing or invalid field
     */
    public static SamConfig read(Path file) {
        JsonNode json = readJson(file);
        SamConfigCheck check = new SamConfigCheck(file);
        JsonNode encoder = json.path("image_encoder");
        JsonNode decoder = json.path("mask_decoder");
        JsonNode transformer = decoder.path("transformer");
        try {
            return new SamConfig(json.path("variant").asString("custom"), check.positive("image_size", json.path("image_size")),
                    check.positive("patch_size", json.path("patch_size")), check.positive("image_encoder.embed_dim", encoder.path("embed_dim")),
                    check.positive("image_encoder.depth", encoder.path("depth")), check.positive("image_encoder.num_heads", encoder.path("num_heads")),
                    check.positive("image_encoder.mlp_dim", encoder.path("mlp_dim")),
                    check.ints("image_encoder.global_attn_indexes", encoder.path("global_attn_indexes")),
                    check.positive("image_encoder.window_size", encoder.path("window_size")),
                    check.positive("image_encoder.out_chans", encoder.path("out_chans")),
                    check.positive("prompt_encoder.mask_in_chans", json.path("prompt_encoder").path("mask_in_chans")),
                    check.positive("mask_decoder.transformer.depth", transformer.path("depth")),
                    check.positive("mask_decoder.transformer.num_heads", transformer.path("num_heads")),
                    check.positive("mask_decoder.transformer.mlp_dim", transformer.path("mlp_dim")),
                    check.positive("mask_decoder.transformer.attention_downsample_rate", transformer.path("attention_downsample_rate")),
                    check.positive("mask_decoder.iou_head_depth", decoder.path("iou_head_depth")),
                    check.positive("mask_decoder.iou_head_hidden_dim", decoder.path("iou_head_hidden_dim")),
                    check.positive("mask_decoder.num_multimask_outputs", decoder.path("num_multimask_outputs")),
                    check.doubles("pixel_mean", json.path("pixel_mean"), PIXEL_MEAN), check.doubles("pixel_std", json.path("pixel_std"), PIXEL_STD),
                    encoder.path("layer_norm_eps").asDouble(ENCODER_EPS), transformer.path("layer_norm_eps").asDouble(DECODER_EPS));
        } catch (OspreyException e) {
            throw new OspreyException(Reason.BAD_BUNDLE, e.getMessage(), e);
        }
    }

    private static JsonNode readJson(Path file) {
        try {
            JsonNode root = JSON.readTree(Files.readString(file));
            if (root == null || !root.isObject()) {
                throw OspreyException.badCheckpoint(file + " is not a JSON object");
            }
            return root;
        } catch (IOException | RuntimeException e) {
            if (e instanceof OspreyException oe) {
                throw oe;
            }
            throw new OspreyException(Reason.BAD_CHECKPOINT, "cannot read SAM config " + file + ": " + e.getMessage(), e);
        }
    }
}
