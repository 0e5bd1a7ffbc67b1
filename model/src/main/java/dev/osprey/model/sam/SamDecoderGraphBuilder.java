package dev.osprey.model.sam;

import dev.osprey.model.checkpoint.TensorStore;
import dev.osprey.model.onnx.OnnxGraph;
import dev.osprey.model.tensor.DType;
import dev.osprey.model.tensor.Tensor;
import java.nio.file.Path;

/**
 * Writes SAM's prompt encoder and mask decoder as one ONNX model, {@value #MODEL_FILE}, in the shape
 * of the official export ({@code SamOnnxModel}, {@code scripts/export_onnx_model.py}) extended to a
 * batch of B prompts with the same number of points:
 *
 * <ul>
 *   <li>{@value #IMAGE_EMBEDDINGS} [1,C,64,64]; {@value #POINT_COORDS} [B,N,2] in the padded 1024
 *       frame; {@value #POINT_LABELS} [B,N] float32: 1 foreground, 0 background, -1 the padding point
 *       (added when there is no box), 2 and 3 the box corners; {@value #MASK_INPUT} [M,1,256,256] raw
 *       low-resolution logits and {@value #HAS_MASK_INPUT} [M], M = 1 or B.</li>
 *   <li>{@value #IOU_PREDICTIONS} [B,4] and {@value #LOW_RES_MASKS} [B,4,256,256] for every mask token
 *       (0 = single mask, 1..3 = multimask), plus {@value #SPARSE_EMBEDDINGS} [B,N,C],
 *       {@value #DENSE_EMBEDDINGS} [M,C,64,64] and {@value #IMAGE_PE} [1,C,64,64], which callers request
 *       only when they want them.</li>
 * </ul>
 *
 * <p>Unlike the official export there is no {@code orig_im_size} input and no {@code masks} output:
 * upscaling to the image is {@link SamMasks} (see there why), and mask selection is the caller's.
 */
public final class SamDecoderGraphBuilder {

    public static final String MODEL_FILE = "sam_prompt_decoder.onnx";
    public static final String DATA_FILE = MODEL_FILE + SamLayers.DATA_SUFFIX;
    public static final String IMAGE_EMBEDDINGS = "image_embeddings";
    public static final String POINT_COORDS = "point_coords";
    public static final String POINT_LABELS = "point_labels";
    public static final String MASK_INPUT = "mask_input";
    public static final String HAS_MASK_INPUT = "has_mask_input";
    public static final String IOU_PREDICTIONS = "iou_predictions";
    public static final String LOW_RES_MASKS = "low_res_masks";
    public static final String SPARSE_EMBEDDINGS = "sparse_embeddings";
    public static final String DENSE_EMBEDDINGS = "dense_embeddings";
    public static final String IMAGE_PE = "image_pe";

    /** Point embeddings 0..3: background, foreground, box top-left, box bottom-right. */
    private static final int POINT_EMBEDDINGS = 4;

    private final SamConfig config;
    private final SamLayers layers;
    private final OnnxGraph graph;

    private SamDecoderGraphBuilder(SamConfig config, SamLayers layers) {
        this.config = config;
        this.layers = layers;
        this.graph = layers.graph();
    }

    /** Writes {@value #MODEL_FILE} and {@value #DATA_FILE} into {@code dir}; returns the model path. */
    static Path write(TensorStore store, SamConfig config, Path dir) {
        return SamLayers.writeModel(store, dir, MODEL_FILE, layers -> new SamDecoderGraphBuilder(config, layers).build());
    }

    private void build() {
        int c = config.channels();
        int grid = config.gridSide();
        int side = config.lowResSide();
        int tokens = config.maskTokens();
        String image = graph.input(IMAGE_EMBEDDINGS, DType.F32, 1, c, grid, grid);
        String coords = graph.input(POINT_COORDS, DType.F32, "batch", "points", 2);
        String labels = graph.input(POINT_LABELS, DType.F32, "batch", "points");
        String maskInput = graph.input(MASK_INPUT, DType.F32, "masks", 1, side, side);
        String hasMask = graph.input(HAS_MASK_INPUT, DType.F32, "masks");

        String sparse = sparse(coords, labels);
        String dense = dense(maskInput, hasMask);
        String imagePe = imagePe();
        output(SPARSE_EMBEDDINGS, sparse, "batch", "points", c);
        output(DENSE_EMBEDDINGS, dense, "masks", c, grid, grid);
        output(IMAGE_PE, imagePe, 1, c, grid, grid);

        // MaskDecoder.predict_masks: tokens = [iou_token, mask_tokens, sparse]; src = image + dense, one per prompt
        String batch = graph.op("Shape").in(coords).attr("start", 0L).attr("end", 1L).out();
        String outputTokens = graph.weight("mask_decoder.output_tokens", outputTokens());
        outputTokens = graph.op("Expand").in(outputTokens, graph.op("Concat").in(batch, graph.longs(1, 1)).attr("axis", 0L).out()).out();
        String queries = graph.op("Concat").in(outputTokens, sparse).attr("axis", 1L).out();
        String src = layers.add(image, dense);
        src = graph.op("Expand").in(src, graph.op("Concat").in(batch, graph.longs(1, 1, 1)).attr("axis", 0L).out()).out();
        String keys = layers.transpose(layers.reshape(src, 0, c, (long) grid * grid), 0, 2, 1);
        String keyPe = layers.transpose(layers.reshape(imagePe, 1, c, (long) grid * grid), 0, 2, 1);

        String[] hs = transformer(queries, keys, keyPe);
        String iouToken = graph.op("Gather").in(hs[0], graph.constantLongs(new long[0], 0)).attr("axis", 1L).out();
        String maskTokens = graph.op("Slice").in(hs[0], graph.longs(1), graph.longs(1 + tokens), graph.longs(1)).out();

        // output upscaling: convT 2x2/2 → LayerNorm2d → GELU → convT 2x2/2 → GELU: [B, C/8, 256, 256]
        String up = layers.reshape(layers.transpose(hs[1], 0, 2, 1), 0, c, grid, grid);
        up = layers.convTranspose2x2(SamKeys.DECODER + "output_upscaling.0", up);
        up = layers.gelu(layers.layerNorm2d(SamKeys.DECODER + "output_upscaling.1", config.encoderLayerNormEps(), up));
        up = layers.gelu(layers.convTranspose2x2(SamKeys.DECODER + "output_upscaling.3", up));

        // hypernetworks: one MLP per mask token → [B, T, C/8]; masks = hyper_in · upscaled → [B, T, 256, 256]
        String[] hyper = new String[tokens];
        for (int t = 0; t < tokens; t++) {
            String token = graph.op("Gather").in(maskTokens, graph.constantLongs(new long[] {1}, t)).attr("axis", 1L).out();
            hyper[t] = layers.mlp(SamKeys.DECODER + "output_hypernetworks_mlps." + t, 3, token);
        }
        String hyperIn = graph.op("Concat").in(hyper).attr("axis", 1L).out();
        String masks = graph.op("MatMul").in(hyperIn, layers.reshape(up, 0, c / 8, (long) side * side)).out();
        output(LOW_RES_MASKS, layers.reshape(masks, 0, tokens, side, side), "batch", tokens, side, side);
        String iou = layers.mlp(SamKeys.DECODER + "iou_prediction_head", config.iouHeadDepth(), iouToken);
        output(IOU_PREDICTIONS, iou, "batch", tokens);
    }

    /** The random-Fourier encoding of coordinates in [0,1] (…, 2) → (…, C): [sin(2π·(2p−1)·G), cos(…)]. */
    private String positionalEncoding(String unit) {
        String c = layers.add(layers.mul(unit, graph.scalar(2f)), graph.scalar(-1f));
        c = graph.op("MatMul").in(c, layers.param(SamKeys.PE_GAUSSIAN)).out();
        c = layers.mul(c, graph.scalar((float) (2 * Math.PI)));
        return graph.op("Concat").in(graph.op("Sin").in(c).out(), graph.op("Cos").in(c).out()).attr("axis", -1L).out();
    }

    /**
     * SamOnnxModel._embed_points: PE of (coords + 0.5) / 1024, zeroed and replaced by not_a_point for
     * label -1, plus point_embeddings[label] for labels 0..3.
     */
    private String sparse(String coords, String labels) {
        String unit = graph.op("Div").in(layers.add(coords, graph.scalar(0.5f)), graph.scalar(config.imageSize())).out();
        String pe = positionalEncoding(unit);
        String label = graph.op("Unsqueeze").in(labels, graph.longs(-1)).out();
        String padding = labelIs(label, -1);
        String notPadding = graph.op("Sub").in(graph.scalar(1f), padding).out();
        pe = layers.mul(pe, notPadding);
        pe = layers.add(pe, layers.mul(layers.param(SamKeys.PROMPT + "not_a_point_embed.weight"), padding));
        for (int i = 0; i < POINT_EMBEDDINGS; i++) {
            pe = layers.add(pe, layers.mul(layers.param(SamKeys.PROMPT + "point_embeddings." + i + ".weight"), labelIs(label, i)));
        }
        return pe;
    }

    /** 1.0 where the label equals {@code value}, else 0.0. */
    private String labelIs(String label, int value) {
        String equal = graph.op("Equal").in(label, graph.scalar(value)).out();
        return graph.op("Cast").in(equal).attr("to", (long) DType.F32.onnxType()).out();
    }

    /**
     * SamOnnxModel._embed_masks: has · mask_downscaling(mask) + (1 − has) · no_mask_embed, where
     * mask_downscaling = conv 2x2/2 → LayerNorm2d → GELU → conv 2x2/2 → LayerNorm2d → GELU → conv 1x1.
     */
    private String dense(String maskInput, String hasMask) {
        double eps = config.encoderLayerNormEps();
        String m = layers.conv(SamKeys.MASK_DOWNSCALING + "0", maskInput, 2, 2, 0);
        m = layers.gelu(layers.layerNorm2d(SamKeys.MASK_DOWNSCALING + "1", eps, m));
        m = layers.conv(SamKeys.MASK_DOWNSCALING + "3", m, 2, 2, 0);
        m = layers.gelu(layers.layerNorm2d(SamKeys.MASK_DOWNSCALING + "4", eps, m));
        m = layers.conv(SamKeys.MASK_DOWNSCALING + "6", m, 1, 1, 0);
        String has = layers.reshape(hasMask, -1, 1, 1, 1);
        String noMask = layers.reshape(layers.param(SamKeys.PROMPT + "no_mask_embed.weight"), 1, -1, 1, 1);
        String without = layers.mul(graph.op("Sub").in(graph.scalar(1f), has).out(), noMask);
        return layers.add(layers.mul(has, m), without);
    }

    /** PromptEncoder.get_dense_pe: the encoding at the grid cell centres ((j + 0.5)/64, (i + 0.5)/64) → [1,C,64,64]. */
    private String imagePe() {
        int grid = config.gridSide();
        float[] centres = new float[grid * grid * 2];
        for (int i = 0; i < grid; i++) {
            for (int j = 0; j < grid; j++) {
                centres[(i * grid + j) * 2] = (j + 0.5f) / grid;
                centres[(i * grid + j) * 2 + 1] = (i + 0.5f) / grid;
            }
        }
        String pe = positionalEncoding(graph.constant(new long[] {grid, grid, 2}, centres));
        return graph.op("Unsqueeze").in(layers.transpose(pe, 2, 0, 1), graph.longs(0)).out();
    }

    /** [iou_token; mask_tokens] → [1, 1 + T, C]. */
    private Tensor outputTokens() {
        float[] iou = layers.values(SamKeys.DECODER + "iou_token.weight");
        float[] masks = layers.values(SamKeys.DECODER + "mask_tokens.weight");
        float[] all = new float[iou.length + masks.length];
        System.arraycopy(iou, 0, all, 0, iou.length);
        System.arraycopy(masks, 0, all, iou.length, masks.length);
        return Tensor.ofFloats("mask_decoder.output_tokens", new long[] {1, 1 + config.maskTokens(), config.channels()}, all);
    }

    /** TwoWayTransformer: the layers, then the final token→image attention and LayerNorm; returns {queries, keys}. */
    private String[] transformer(String pointEmbedding, String imageEmbedding, String imagePe) {
        String prefix = SamKeys.TRANSFORMER;
        double eps = config.decoderLayerNormEps();
        String queries = pointEmbedding;
        String keys = imageEmbedding;
        int inner = config.channels() / config.attentionDownsample();
        for (int i = 0; i < config.decoderDepth(); i++) {
            String l = prefix + "layers." + i + ".";
            // self attention; layer 0 has neither the query PE nor the residual
            if (i == 0) {
                queries = attention(l + "self_attn", queries, queries, queries, config.channels());
            } else {
                String q = layers.add(queries, pointEmbedding);
                queries = layers.add(queries, attention(l + "self_attn", q, q, queries, config.channels()));
            }
            queries = layers.layerNorm(l + "norm1", eps, queries);
            // tokens attend to the image
            String q = layers.add(queries, pointEmbedding);
            String k = layers.add(keys, imagePe);
            queries = layers.layerNorm(l + "norm2", eps, layers.add(queries, attention(l + "cross_attn_token_to_image", q, k, keys, inner)));
            // MLP (ReLU)
            String mlp = layers.linear(l + "mlp.lin2", layers.relu(layers.linear(l + "mlp.lin1", queries)));
            queries = layers.layerNorm(l + "norm3", eps, layers.add(queries, mlp));
            // the image attends to the tokens
            q = layers.add(queries, pointEmbedding);
            k = layers.add(keys, imagePe);
            keys = layers.layerNorm(l + "norm4", eps, layers.add(keys, attention(l + "cross_attn_image_to_token", k, q, queries, inner)));
        }
        String q = layers.add(queries, pointEmbedding);
        String k = layers.add(keys, imagePe);
        queries = layers.add(queries, attention(prefix + "final_attn_token_to_image", q, k, keys, inner));
        queries = layers.layerNorm(prefix + "norm_final_attn", eps, queries);
        return new String[] {queries, keys};
    }

    /** The decoder's {@code Attention}: project, split heads, softmax(q·kᵀ / √d)·v, merge, out_proj. */
    private String attention(String prefix, String q, String k, String v, int inner) {
        int heads = config.decoderHeads();
        String qh = heads(layers.linear(prefix + ".q_proj", q), heads);
        String kh = heads(layers.linear(prefix + ".k_proj", k), heads);
        String vh = heads(layers.linear(prefix + ".v_proj", v), heads);
        String attn = graph.op("MatMul").in(qh, layers.transpose(kh, 0, 1, 3, 2)).out();
        attn = graph.op("Div").in(attn, graph.scalar((float) Math.sqrt(inner / (double) heads))).out();
        attn = graph.op("Softmax").in(attn).attr("axis", -1L).out();
        String out = graph.op("MatMul").in(attn, vh).out();
        out = layers.reshape(layers.transpose(out, 0, 2, 1, 3), 0, 0, inner);
        return layers.linear(prefix + ".out_proj", out);
    }

    /** [B, n, inner] → [B, heads, n, inner / heads]. */
    private String heads(String x, int heads) {
        return layers.transpose(layers.reshape(x, 0, 0, heads, -1), 0, 2, 1, 3);
    }

    private void output(String name, String value, Object... dims) {
        graph.output(graph.op("Identity").in(value).out(name), DType.F32, dims);
    }
}
