package dev.osprey.model.sam;

import dev.osprey.model.checkpoint.TensorStore;
import dev.osprey.model.onnx.ExternalData;
import dev.osprey.model.onnx.OnnxGraph;
import dev.osprey.model.tensor.Tensor;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.Set;
import java.util.function.Consumer;

/**
 * The layers both SAM graphs are made of, written into one {@link OnnxGraph} with the checkpoint's
 * tensors as initializers named by their keys (shapes were checked once by {@link SamKeys#check}).
 */
final class SamLayers {

    /** A model's external-data file is the model file's name with this suffix, beside it. */
    static final String DATA_SUFFIX = ".data";
    static final long[] NCHW_TO_NHWC = {0, 2, 3, 1};
    static final long[] NHWC_TO_NCHW = {0, 3, 1, 2};

    private final TensorStore store;
    private final OnnxGraph graph;
    // Initializers already added, by name: a tensor used twice (the PE matrix) is stored once.
    private final Set<String> added = new HashSet<>();

    SamLayers(TensorStore store, OnnxGraph graph) {
        this.store = store;
        this.graph = graph;
    }

    /**
     * Writes the graph {@code build} makes as {@code dir/modelFile} with its weights in
     * {@code modelFile + ".data"} beside it, and returns the model's path.
     */
    static Path writeModel(TensorStore store, Path dir, String modelFile, Consumer<SamLayers> build) {
        Path model = dir.resolve(modelFile);
        try (ExternalData data = new ExternalData(dir.resolve(modelFile + DATA_SUFFIX))) {
            OnnxGraph graph = new OnnxGraph(modelFile.replace(".onnx", ""), data);
            build.accept(new SamLayers(store, graph));
            graph.save(model, OnnxGraph.OPSET, false);
        }
        return model;
    }

    OnnxGraph graph() {
        return graph;
    }

    /** A checkpoint tensor as a float32 initializer named by its key. */
    String param(String key) {
        return added.add(key) ? graph.weight(key, store.get(key).toF32()) : key;
    }

    /** The checkpoint tensor's values. */
    float[] values(String key) {
        return store.floats(key);
    }

    /** {@code nn.Linear} over the last axis: x · Wᵀ + b, W stored transposed so MatMul reads it directly. */
    String linear(String prefix, String x) {
        Tensor w = store.get(prefix + ".weight");
        String name = prefix + ".weight_t";
        String y = graph.op("MatMul").in(x, added.add(name) ? graph.weight(name, w.transposed()) : name).out();
        return graph.op("Add").in(y, param(prefix + ".bias")).out();
    }

    /** LayerNorm over the last axis (biased variance). */
    String layerNorm(String prefix, double eps, String x) {
        return graph.op("LayerNormalization").in(x, param(prefix + ".weight"), param(prefix + ".bias"))
                .attr("axis", -1L).attr("epsilon", (float) eps).out();
    }

    /** SAM's {@code LayerNorm2d}: over the channels of an NCHW map, done channels-last. */
    String layerNorm2d(String prefix, double eps, String x) {
        return transpose(layerNorm(prefix, eps, transpose(x, NCHW_TO_NHWC)), NHWC_TO_NCHW);
    }

    /** Conv2d k x k with stride, symmetric padding, and a bias when the checkpoint has one. */
    String conv(String prefix, String x, int kernel, int stride, int pad) {
        OnnxGraph.Op op = graph.op("Conv").in(x, param(prefix + ".weight"));
        if (store.contains(prefix + ".bias")) {
            op.in(param(prefix + ".bias"));
        }
        return op.attrInts("kernel_shape", kernel, kernel).attrInts("strides", stride, stride).attrInts("pads", pad, pad, pad, pad).out();
    }

    /** ConvTranspose2d 2x2 stride 2 with bias (weights [C_in, C_out, 2, 2], the same layout in torch and ONNX). */
    String convTranspose2x2(String prefix, String x) {
        return graph.op("ConvTranspose").in(x, param(prefix + ".weight"), param(prefix + ".bias"))
                .attrInts("kernel_shape", 2, 2).attrInts("strides", 2, 2).out();
    }

    /** Exact (erf) GELU, {@code nn.GELU()}. */
    String gelu(String x) {
        return graph.op("Gelu").in(x).attr("approximate", "none").out();
    }

    String relu(String x) {
        return graph.op("Relu").in(x).out();
    }

    String transpose(String x, long... perm) {
        return graph.op("Transpose").in(x).attrInts("perm", perm).out();
    }

    String reshape(String x, long... shape) {
        return graph.op("Reshape").in(x, graph.longs(shape)).out();
    }

    String add(String a, String b) {
        return graph.op("Add").in(a, b).out();
    }

    String mul(String a, String b) {
        return graph.op("Mul").in(a, b).out();
    }

    /**
     * The reference's {@code MLP}: {@code depth} linears {@code prefix.layers.j}, ReLU between them
     * (not after the last).
     */
    String mlp(String prefix, int depth, String x) {
        for (int j = 0; j < depth; j++) {
            x = linear(prefix + ".layers." + j, x);
            if (j < depth - 1) {
                x = relu(x);
            }
        }
        return x;
    }
}
