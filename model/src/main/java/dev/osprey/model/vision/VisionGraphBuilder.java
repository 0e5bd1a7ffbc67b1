package dev.osprey.model.vision;

import dev.osprey.model.checkpoint.TensorStore;
import dev.osprey.model.error.OspreyException;
import dev.osprey.model.error.Reason;
import dev.osprey.model.onnx.ExternalData;
import dev.osprey.model.onnx.OnnxGraph;
import dev.osprey.model.onnx.RowQuantizedMatMul;
import dev.osprey.model.tensor.DType;
import dev.osprey.model.tensor.Shape;
import dev.osprey.model.tensor.Tensor;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

/**
 * Writes the Osprey vision tower (ConvNeXt trunk, spec §1) and the mm_projector (spec §2) as one
 * ONNX model: {@value #MODEL_FILE} with its weights in {@value #DATA_FILE} beside it.
 *
 * <p>Input {@code pixel_values} float32 [N,3,512,512] (N is the symbolic dimension "batch");
 * outputs {@code res2..res5} [N,C,H,W] and {@code image_embeds} [N,1024,hidden]. Weights are read
 * from the checkpoint one tensor at a time, upcast from bf16 to float32 and appended to the data
 * file, so the real 200M-parameter trunk converts with a small heap.
 *
 * <pre>{@code
 * try (SafetensorsFile checkpoint = SafetensorsFile.open(dir.resolve("model.safetensors"))) {
 *     Path model = VisionGraphBuilder.write(checkpoint, VisionConfig.from(checkpoint), outDir);
 * }
 * }</pre>
 *
 * <p>Precision ({@link VisionPrecision}): float32 throughout is the parity path; int8 runs the block
 * MLPs and the projector on an int8 GEMM with activations quantised per pixel or token
 * ({@link RowQuantizedMatMul}), and keeps convolutions, LayerNorms and GELU in float32.
 *
 * <p>Layout: activations stay NCHW between blocks (the convolutions need it); each LayerNorm runs
 * channels-last through ONNX LayerNormalization over the last axis, and each block's MLP runs
 * channels-last as in timm, so a block costs two transposes. ONNX Runtime folds most of them into
 * its blocked-layout reorders: at ConvNeXt-L shape, transposes and reorders together took under 3%
 * of a run (the MLP MatMuls take ~70%), so a channels-last residual stream could gain little.
 */
public final class VisionGraphBuilder {

    /** The model file's name inside the output folder. */
    public static final String MODEL_FILE = "vision.onnx";
    /** The external-data file the model refers to (by this name, relative to the model file). */
    public static final String DATA_FILE = "vision.onnx.data";
    /** Input: normalised pixels [N,3,512,512] (spec §1.4). */
    public static final String PIXEL_VALUES = "pixel_values";
    /** Output: the projected image tokens [N,1024,hidden] (spec §1.5, §2). */
    public static final String IMAGE_EMBEDS = "image_embeds";
    /** The symbolic batch dimension of every input and output. */
    public static final String BATCH = "batch";

    /** Spec §1.3: every LayerNorm of the trunk, biased variance. */
    private static final float LAYER_NORM_EPS = 1e-6f;
    /** Spec §1.3: depthwise 7x7 conv, padding 3. */
    private static final int DEPTHWISE_KERNEL = 7;
    /** Spec §1.3: stages 1..3 start with a 2x2 stride-2 conv. */
    private static final int DOWNSAMPLE = 2;
    private static final long[] NCHW_TO_NHWC = {0, 2, 3, 1};
    private static final long[] NHWC_TO_NCHW = {0, 3, 1, 2};

    private final TensorStore store;
    private final VisionConfig config;
    private final OnnxGraph graph;
    // Null in float32: every Linear is a float MatMul.
    private final RowQuantizedMatMul int8;

    private VisionGraphBuilder(TensorStore store, VisionConfig config, OnnxGraph graph, VisionPrecision precision) {
        this.store = store;
        this.config = config;
        this.graph = graph;
        this.int8 = precision == VisionPrecision.INT8 ? new RowQuantizedMatMul(graph) : null;
    }

    /** As {@link #write(TensorStore, VisionConfig, VisionPrecision, Path)} in float32, the parity path. */
    public static Path write(TensorStore store, VisionConfig config, Path dir) {
        return write(store, config, VisionPrecision.FP32, dir);
    }

    /**
     * Writes {@value #MODEL_FILE} and {@value #DATA_FILE} into {@code dir} (created if needed;
     * existing files are replaced) with the block MLPs and the projector at {@code precision}, and
     * returns the model file's path.
     *
     * @throws OspreyException {@code BAD_CHECKPOINT} when a weight is missing or has an unexpected shape
     */
    public static Path write(TensorStore store, VisionConfig config, VisionPrecision precision, Path dir) {
        Path model = dir.resolve(MODEL_FILE);
        try {
            Files.createDirectories(dir);
        } catch (IOException e) {
            throw new OspreyException(Reason.INTERNAL, "cannot create " + dir + ": " + e.getMessage(), e);
        }
        try (ExternalData data = new ExternalData(dir.resolve(DATA_FILE))) {
            OnnxGraph graph = new OnnxGraph("osprey_vision", data);
            new VisionGraphBuilder(store, config, graph, precision).build();
            // The int8 GEMM is ONNX Runtime's contrib MatMulIntegerToFloat.
            graph.save(model, OnnxGraph.OPSET, precision == VisionPrecision.INT8);
        }
        return model;
    }

    /** The output name of stage {@code s}: res2 for stage 0 ... res5 for stage 3 (spec §1.2). */
    public static String levelName(int stage) {
        return "res" + (stage + 2);
    }

    /** Spec §1.2 and §1.5: stem, four stages (each an output), res4 → image tokens → projector. */
    private void build() {
        int side = config.imageSize();
        String x = graph.input(PIXEL_VALUES, DType.F32, BATCH, 3, side, side);
        x = stem(x);
        String[] levels = new String[VisionConfig.STAGES];
        for (int s = 0; s < levels.length; s++) {
            x = levels[s] = stage(s, x);
            output(levelName(s), x, BATCH, config.dims().get(s), config.side(s), config.side(s));
        }
        output(IMAGE_EMBEDS, projector(imageTokens(levels[VisionConfig.TOKEN_STAGE])), BATCH, config.tokens(), config.hidden());
    }

    /** Spec §1.3 stem: Conv 4x4/4 (+bias) [N,3,512,512] → [N,C0,128,128], then LayerNorm2d. */
    private String stem(String pixels) {
        int c = config.dims().get(0);
        int p = config.patchSize();
        String x = conv(config.trunk("stem.0"), pixels, new long[] {c, 3, p, p}, p, 0, 1);
        return layerNorm2d(config.trunk("stem.1"), c, x);
    }

    /** Spec §1.3 stage s: (s > 0) LayerNorm2d + Conv 2x2/2 from C_{s-1} to C_s, then its blocks. */
    private String stage(int s, String x) {
        String prefix = config.trunk("stages." + s + ".");
        int c = config.dims().get(s);
        if (s > 0) {
            int cIn = config.dims().get(s - 1);
            x = layerNorm2d(prefix + "downsample.0", cIn, x);
            x = conv(prefix + "downsample.1", x, new long[] {c, cIn, DOWNSAMPLE, DOWNSAMPLE}, DOWNSAMPLE, 0, 1);
        }
        for (int b = 0; b < config.depths().get(s); b++) {
            x = block(prefix + "blocks." + b + ".", c, x);
        }
        return x;
    }

    /**
     * Spec §1.3 ConvNeXt block on [N,C,H,W]: depthwise 7x7 → channels last → LayerNorm(C) →
     * fc1 (C→4C) → exact GELU → fc2 (4C→C) → × gamma → channels first → + shortcut.
     */
    private String block(String prefix, int c, String x) {
        int k = DEPTHWISE_KERNEL;
        String h = conv(prefix + "conv_dw", x, new long[] {c, 1, k, k}, 1, k / 2, c);
        h = transpose(h, NCHW_TO_NHWC);
        h = layerNorm(prefix + "norm", c, h);
        int mlp = Math.toIntExact(store.get(prefix + "mlp.fc1.weight").shape()[0]);
        h = gelu(linear(prefix + "mlp.fc1", c, mlp, h));
        h = linear(prefix + "mlp.fc2", mlp, c, h);
        h = graph.op("Mul").in(h, param(prefix + "gamma", c)).out();
        h = transpose(h, NHWC_TO_NCHW);
        return graph.op("Add").in(x, h).out();
    }

    /** Spec §1.5: res4 [N,C,32,32] → [N,C,1024] → [N,1024,C], token index = h*32 + w. */
    private String imageTokens(String res4) {
        int c = config.dims().get(VisionConfig.TOKEN_STAGE);
        String flat = graph.op("Reshape").in(res4, graph.longs(0, c, config.tokens())).out();
        return transpose(flat, new long[] {0, 2, 1});
    }

    /** Spec §2 mlp2x_gelu: Linear(mm_hidden→hidden) → exact GELU → Linear(hidden→hidden). */
    private String projector(String tokens) {
        String h = gelu(linear(config.projector("0"), config.mmHidden(), config.hidden(), tokens));
        return linear(config.projector("2"), config.hidden(), config.hidden(), h);
    }

    /** LayerNorm over the channels of an NCHW map (timm LayerNorm2d), done channels-last. */
    private String layerNorm2d(String key, int c, String x) {
        return transpose(layerNorm(key, c, transpose(x, NCHW_TO_NHWC)), NHWC_TO_NCHW);
    }

    /** LayerNorm over the last axis, eps 1e-6, biased variance (spec §1.3). */
    private String layerNorm(String key, int c, String x) {
        return graph.op("LayerNormalization").in(x, param(key + ".weight", c), param(key + ".bias", c))
                .attr("axis", -1L).attr("epsilon", LAYER_NORM_EPS).out();
    }

    /**
     * y = x · Wᵀ + b over the last axis. In float32, W [out, in] is stored transposed so MatMul reads
     * it directly; in int8 it is quantised per output channel, x per pixel or token.
     */
    private String linear(String key, int in, int out, String x) {
        Tensor w = checked(key + ".weight", out, in);
        String y = int8 != null ? int8.op(x, w).out() : graph.op("MatMul").in(x, graph.weight(key + ".weight_t", w.transposed())).out();
        return graph.op("Add").in(y, param(key + ".bias", out)).out();
    }

    /** Conv2d with bias; {@code shape} is the expected weight shape [C_out, C_in/group, k, k]. */
    private String conv(String key, String x, long[] shape, int stride, int pad, int group) {
        long k = shape[2];
        return graph.op("Conv").in(x, param(key + ".weight", shape), param(key + ".bias", shape[0]))
                .attrInts("kernel_shape", k, k).attrInts("strides", stride, stride)
                .attrInts("pads", pad, pad, pad, pad).attr("group", (long) group).out();
    }

    /** Exact (erf) GELU, as timm's and the projector's nn.GELU() (spec §1.3, §2). */
    private String gelu(String x) {
        return graph.op("Gelu").in(x).attr("approximate", "none").out();
    }

    private String transpose(String x, long[] perm) {
        return graph.op("Transpose").in(x).attrInts("perm", perm).out();
    }

    /** Names a value as a graph output [dims]. */
    private void output(String name, String value, Object... dims) {
        graph.output(graph.op("Identity").in(value).out(name), DType.F32, dims);
    }

    /** A checkpoint tensor as a float32 initializer named by its key, after checking its shape. */
    private String param(String key, long... shape) {
        return graph.weight(key, checked(key, shape).toF32());
    }

    private Tensor checked(String key, long... shape) {
        Tensor tensor = store.get(key);
        if (!Arrays.equals(tensor.shape(), shape)) {
            throw OspreyException.badCheckpoint("vision tensor " + key + " is " + Shape.toString(tensor.shape())
                    + ", expected " + Shape.toString(shape) + " for the geometry " + config.depths() + " x " + config.dims());
        }
        return tensor;
    }
}
