package dev.osprey.model.sam;

import dev.osprey.model.checkpoint.TensorStore;
import dev.osprey.model.onnx.OnnxGraph;
import dev.osprey.model.tensor.DType;
import dev.osprey.model.tensor.Tensor;
import java.nio.file.Path;

/**
 * Writes SAM's image encoder ({@code ImageEncoderViT}) as one ONNX model, {@value #MODEL_FILE} with
 * its weights in {@value #DATA_FILE}: input {@value #INPUT_IMAGE} float32 [N,3,1024,1024] (normalised
 * and zero-padded, {@link SamPreprocessor}), output {@value #IMAGE_EMBEDDINGS} [N,C,64,64].
 *
 * <p>The token grid stays channels-last [N,64,64,E] through the blocks, as in the reference. A windowed
 * block pads the LayerNorm output with zeros to a multiple of the window and does not mask the padded
 * tokens (they attend as keys with q/k/v = the qkv bias), then crops back before the residual. Both
 * kinds of attention add decomposed relative positions computed from the unscaled q.
 */
public final class SamEncoderGraphBuilder {

    /** The model file's name. */
    public static final String MODEL_FILE = "sam_image_encoder.onnx";
    /** Its external data, by this name beside it. */
    public static final String DATA_FILE = MODEL_FILE + SamLayers.DATA_SUFFIX;
    /** Input: normalised, padded pixels [N,3,S,S]. */
    public static final String INPUT_IMAGE = "input_image";
    /** Output: the image embeddings [N,C,grid,grid]. */
    public static final String IMAGE_EMBEDDINGS = "image_embeddings";
    /** The model's name in a Triton model repository and in KServe v2 requests. */
    public static final String TRITON_MODEL_NAME = "sam_image_encoder";
    /** The symbolic batch dimension. */
    public static final String BATCH = "batch";

    private final SamConfig config;
    private final SamLayers layers;
    private final OnnxGraph graph;

    private SamEncoderGraphBuilder(SamConfig config, SamLayers layers) {
        this.config = config;
        this.layers = layers;
        this.graph = layers.graph();
    }

    /** Writes {@value #MODEL_FILE} and {@value #DATA_FILE} into {@code dir}; returns the model path. */
    static Path write(TensorStore store, SamConfig config, Path dir) {
        return SamLayers.writeModel(store, dir, MODEL_FILE, layers -> new SamEncoderGraphBuilder(config, layers).build());
    }

    /** Patch embedding + absolute positions → blocks → neck. */
    private void build() {
        int side = config.imageSize();
        String x = graph.input(INPUT_IMAGE, DType.F32, BATCH, 3, side, side);
        x = layers.conv(SamKeys.PATCH_EMBED, x, config.patchSize(), config.patchSize(), 0);
        x = layers.transpose(x, SamLayers.NCHW_TO_NHWC);
        x = layers.add(x, layers.param(SamKeys.POS_EMBED));
        for (int i = 0; i < config.encoderDepth(); i++) {
            x = block(i, x);
        }
        x = neck(x);
        int grid = config.gridSide();
        graph.output(graph.op("Identity").in(x).out(IMAGE_EMBEDDINGS), DType.F32, BATCH, config.channels(), grid, grid);
    }

    /** {@code Block}: x + attn(LN1(x)) (in windows unless global), then x + MLP(LN2(x)). */
    private String block(int i, String x) {
        String prefix = SamKeys.block(i);
        double eps = config.encoderLayerNormEps();
        String h = layers.layerNorm(prefix + "norm1", eps, x);
        if (config.globalAttnIndexes().contains(i)) {
            h = attention(prefix + "attn", h, config.gridSide());
        } else {
            h = windowed(prefix + "attn", h);
        }
        x = layers.add(x, h);
        String m = layers.layerNorm(prefix + "norm2", eps, x);
        m = layers.linear(prefix + "mlp.lin2", layers.gelu(layers.linear(prefix + "mlp.lin1", m)));
        return layers.add(x, m);
    }

    /** window_partition (zero padding after the LayerNorm) → attention → window_unpartition → crop. */
    private String windowed(String prefix, String x) {
        int grid = config.gridSide();
        int ws = config.windowSize();
        int pad = (ws - grid % ws) % ws;
        int padded = grid + pad;
        int n = padded / ws;
        int e = config.encoderDim();
        if (pad > 0) {
            x = graph.op("Pad").in(x, graph.longs(0, 0, 0, 0, 0, pad, pad, 0)).out();
        }
        x = layers.reshape(x, -1, n, ws, n, ws, e);
        x = layers.transpose(x, 0, 1, 3, 2, 4, 5);
        x = layers.reshape(x, -1, ws, ws, e);
        x = attention(prefix, x, ws);
        x = layers.reshape(x, -1, n, n, ws, ws, e);
        x = layers.transpose(x, 0, 1, 3, 2, 4, 5);
        x = layers.reshape(x, -1, padded, padded, e);
        if (pad > 0) {
            x = graph.op("Slice").in(x, graph.longs(0, 0), graph.longs(grid, grid), graph.longs(1, 2)).out();
        }
        return x;
    }

    /**
     * {@code Attention} on [B,S,S,E] tokens: qkv → heads → (q·scale)·kᵀ + rel_h + rel_w → softmax → ·v → proj.
     * rel_h[b,h,w,k] = Σ_c q[b,h,w,c]·Rh[h,k,c] with Rh[i,j] = rel_pos_h[i − j + S − 1] (q unscaled).
     */
    private String attention(String prefix, String x, int s) {
        int e = config.encoderDim();
        int heads = config.encoderHeads();
        int hd = e / heads;
        long tokens = (long) s * s;
        String qkv = layers.linear(prefix + ".qkv", x);
        qkv = layers.reshape(qkv, -1, tokens, 3, heads, hd);
        qkv = layers.transpose(qkv, 2, 0, 3, 1, 4);
        qkv = layers.reshape(qkv, 3, -1, tokens, hd);
        String[] parts = graph.op("Split").in(qkv).attr("axis", 0L).attr("num_outputs", 3L).outs(3);
        String q = graph.op("Squeeze").in(parts[0], graph.longs(0)).out();
        String k = graph.op("Squeeze").in(parts[1], graph.longs(0)).out();
        String v = graph.op("Squeeze").in(parts[2], graph.longs(0)).out();
        float scale = (float) Math.pow(hd, -0.5);
        String attn = graph.op("MatMul").in(layers.mul(q, graph.scalar(scale)), layers.transpose(k, 0, 2, 1)).out();

        String rq = layers.reshape(q, -1, s, s, hd);
        // rel_h: per query row h, [B·heads·w, hd] x Rh[h]ᵀ [hd, k]
        String rh = relativeTable(prefix + ".rel_pos_h", s, hd);
        String relH = layers.reshape(layers.transpose(rq, 1, 0, 2, 3), s, -1, hd);
        relH = graph.op("MatMul").in(relH, rh).out();
        relH = layers.transpose(layers.reshape(relH, s, -1, s, s), 1, 0, 2, 3);
        // rel_w: per query column w, [B·heads·h, hd] x Rw[w]ᵀ [hd, k]
        String rw = relativeTable(prefix + ".rel_pos_w", s, hd);
        String relW = layers.reshape(layers.transpose(rq, 2, 0, 1, 3), s, -1, hd);
        relW = graph.op("MatMul").in(relW, rw).out();
        relW = layers.transpose(layers.reshape(relW, s, -1, s, s), 1, 2, 0, 3);
        attn = layers.reshape(attn, -1, s, s, s, s);
        attn = layers.add(attn, graph.op("Unsqueeze").in(relH, graph.longs(4)).out());
        attn = layers.add(attn, graph.op("Unsqueeze").in(relW, graph.longs(3)).out());
        attn = layers.reshape(attn, -1, tokens, tokens);
        attn = graph.op("Softmax").in(attn).attr("axis", -1L).out();

        String out = graph.op("MatMul").in(attn, v).out();
        out = layers.reshape(out, -1, heads, s, s, hd);
        out = layers.transpose(out, 0, 2, 3, 1, 4);
        out = layers.reshape(out, -1, s, s, e);
        return layers.linear(prefix + ".proj", out);
    }

    /** {@code get_rel_pos} for equal query and key sizes, stored as [S, hd, S]: table[i, c, j] = rel_pos[i − j + S − 1, c]. */
    private String relativeTable(String key, int s, int hd) {
        float[] rel = layers.values(key);
        float[] table = new float[s * hd * s];
        for (int i = 0; i < s; i++) {
            for (int j = 0; j < s; j++) {
                int row = i - j + s - 1;
                for (int c = 0; c < hd; c++) {
                    table[(i * hd + c) * s + j] = rel[row * hd + c];
                }
            }
        }
        return graph.weight(key + ".table", Tensor.ofFloats(key + ".table", new long[] {s, hd, s}, table));
    }

    /** Neck on [N,64,64,E]: conv 1x1 (no bias) → LayerNorm2d → conv 3x3 pad 1 (no bias) → LayerNorm2d → [N,C,64,64]. */
    private String neck(String x) {
        double eps = config.encoderLayerNormEps();
        x = layers.transpose(x, SamLayers.NHWC_TO_NCHW);
        x = layers.conv(SamKeys.ENCODER + "neck.0", x, 1, 1, 0);
        x = layers.layerNorm2d(SamKeys.ENCODER + "neck.1", eps, x);
        x = layers.conv(SamKeys.ENCODER + "neck.2", x, 3, 1, 1);
        return layers.layerNorm2d(SamKeys.ENCODER + "neck.3", eps, x);
    }
}
