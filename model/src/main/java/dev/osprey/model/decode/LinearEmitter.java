package dev.osprey.model.decode;

import dev.osprey.model.onnx.OnnxGraph;
import dev.osprey.model.onnx.RowQuantizedMatMul;
import dev.osprey.model.tensor.DType;
import dev.osprey.model.tensor.Floats;
import dev.osprey.model.tensor.Tensor;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * Emits {@code y = x · Wᵀ} for one checkpoint weight W [N, K] (PyTorch's [out, in]) in the graph's
 * precision. Float weights stay [N, K] and use FusedMatMul with transB, so a matrix is never
 * transposed in Java; quantised weights go through MatMulNBits, or for int8_dynamic through an int8
 * GEMM on per-channel weights and per-row activations ({@link RowQuantizedMatMul}).
 */
final class LinearEmitter {

    private final OnnxGraph graph;
    private final DecoderPrecision precision;
    private final int accuracyLevel;
    private final RowQuantizedMatMul rowQuantized;

    LinearEmitter(OnnxGraph graph, DecoderPrecision precision, int accuracyLevel) {
        this.graph = graph;
        this.precision = precision;
        this.accuracyLevel = accuracyLevel;
        this.rowQuantized = new RowQuantizedMatMul(graph);
    }

    /** Adds the projection of {@code x} by {@code weight} and returns the output's name. */
    String apply(String x, Tensor weight) {
        return op(x, weight).out();
    }

    /** As {@link #apply(String, Tensor)}, naming the output (e.g. a graph output). */
    String apply(String x, Tensor weight, String output) {
        return op(x, weight).out(output);
    }

    private OnnxGraph.Op op(String x, Tensor weight) {
        String name = weight.name();
        return switch (precision) {
            case FP32 -> fusedMatMul(x, graph.weight(name, converted(weight, DType.F32)));
            case FP16 -> fusedMatMul(x, graph.op("Cast").in(graph.weight(name, converted(weight, DType.F16)))
                    .attr("to", (long) DType.F32.onnxType()).out());
            case INT8, INT4 -> matMulNBits(x, WeightQuantizer.quantize(weight, precision.bitsFor(name),
                    WeightQuantizer.PREFERRED_BLOCK), name);
            case INT8_DYNAMIC -> rowQuantized.op(x, weight);
        };
    }

    private OnnxGraph.Op fusedMatMul(String x, String weight) {
        return graph.op("FusedMatMul").domain(OnnxGraph.MS_DOMAIN).in(x, weight).attr("transB", 1L);
    }

    private OnnxGraph.Op matMulNBits(String x, QuantizedWeight q, String name) {
        String packed = graph.weight(name + ".quant", new Tensor(name + ".quant", DType.U8, q.packedShape(), ByteBuffer.wrap(q.packed())));
        String scales = graph.weight(name + ".scales", Tensor.ofFloats(name + ".scales", new long[] {q.n(), q.blocks()}, q.scales()));
        String zeros = graph.weight(name + ".zero_points", new Tensor(name + ".zero_points", DType.U8,
                new long[] {q.n(), q.zeroPointBytesPerRow()}, ByteBuffer.wrap(q.zeroPoints())));
        return graph.op("MatMulNBits").domain(OnnxGraph.MS_DOMAIN).in(x, packed, scales, zeros)
                .attr("K", (long) q.k()).attr("N", (long) q.n()).attr("bits", (long) q.bits())
                .attr("block_size", (long) q.blockSize()).attr("accuracy_level", (long) accuracyLevel);
    }

    /** The weight in another float type, converted a row at a time (only the output is allocated). */
    private static Tensor converted(Tensor weight, DType target) {
        if (weight.dtype() == target) {
            return weight;
        }
        int rows = Math.toIntExact(weight.shape()[0]);
        int cols = Math.toIntExact(weight.numel() / rows);
        ByteBuffer out = ByteBuffer.allocate(Math.multiplyExact(Math.toIntExact(weight.numel()), target.bytes()))
                .order(ByteOrder.LITTLE_ENDIAN);
        float[] row = new float[cols];
        for (int r = 0; r < rows; r++) {
            weight.readFloats((long) r * cols, row, 0, cols);
            for (float v : row) {
                if (target == DType.F32) {
                    out.putFloat(v);
                } else {
                    out.putShort(Floats.floatToF16(v));
                }
            }
        }
        return new Tensor(weight.name(), target, weight.shape(), out.flip());
    }
}
