package dev.osprey.model.onnx;

import dev.osprey.model.tensor.DType;
import dev.osprey.model.tensor.Tensor;
import java.nio.ByteBuffer;

/**
 * Emits {@code y = x · Wᵀ} for a checkpoint weight W [N, K] (PyTorch's [out, in]) as an int8 GEMM:
 * W quantised per output channel at conversion ({@link ChannelQuantizer}), x quantised per row at run
 * time. Each row's own scale maps its largest magnitude to 127 (uint8 codes around 128), so a row
 * with outsized activations (a BOS token's in real Llamas, a bright pixel's in ConvNeXt) costs no
 * other row precision, and a row's result does not depend on which rows share the run: batching
 * stays exact.
 *
 * <p>Four nodes carry the work: the row scales (the largest |x| of each row), one QuantizeLinear with a block
 * of the whole row (opset 21 blocked quantisation: per-row scales without reshaping x), the GEMM with
 * the column scales applied in its output stage (MatMulIntegerToFloat), and the row rescale. A plain
 * Abs/Div/Round/Add/Cast and MatMulInteger/Cast/Mul/Mul chain makes six more passes over the
 * activations: in ONNX Runtime profiles of the ConvNeXt-L-shaped vision graph those passes took 22 %
 * of an int8 run, against 12 % for this form.
 *
 * <p>Used by the decoder's int8_dynamic prefill graph and by the int8 vision tower. Graphs using it
 * must be saved with the {@value OnnxGraph#MS_DOMAIN} opset.
 */
public final class RowQuantizedMatMul {

    private static final int ROW_ZERO_POINT = 128;

    private final OnnxGraph graph;
    // Shared by every projection of the graph: the uint8 zero point of row codes, and a unit scale.
    private String rowZeroPoint;
    private String one;

    public RowQuantizedMatMul(OnnxGraph graph) {
        this.graph = graph;
    }

    /**
     * Adds the projection of {@code x} [..., K] by {@code weight} [N, K] (initializers named after the
     * weight) and returns the last op, float32 [..., N], for the caller to name its output.
     */
    public OnnxGraph.Op op(String x, Tensor weight) {
        ChannelQuantizer.Quantized q = ChannelQuantizer.quantize(weight);
        String name = weight.name();
        String codes = graph.weight(name + ".int8", new Tensor(name + ".int8", DType.I8, new long[] {q.k(), q.n()}, ByteBuffer.wrap(q.codes())));
        String columnScales = graph.weight(name + ".scales", Tensor.ofFloats(name + ".scales", new long[] {q.n()}, q.scales()));
        // max |x| per row as max(max x, -min x): two reads of x instead of writing |x| and reading it.
        String rowMax = graph.op("Max").in(graph.op("ReduceMax").in(x, graph.longs(-1)).attr("keepdims", 1L).out(),
                graph.op("Neg").in(graph.op("ReduceMin").in(x, graph.longs(-1)).attr("keepdims", 1L).out()).out()).out();
        // A zero row keeps a tiny positive scale: its codes are all 128, its products zero.
        String rowScales = graph.op("Max").in(graph.op("Div").in(rowMax, graph.scalar(127f)).out(), graph.scalar(Float.MIN_NORMAL)).out();
        String zeroPoints = graph.op("Expand").in(rowZeroPoint(), graph.op("Shape").in(rowScales).out()).out();
        String rowCodes = graph.op("QuantizeLinear").in(x, rowScales, zeroPoints).attr("axis", -1L).attr("block_size", (long) q.k()).out();
        String products = graph.op("MatMulIntegerToFloat").domain(OnnxGraph.MS_DOMAIN)
                .in(rowCodes, codes, one(), columnScales, rowZeroPoint()).out();
        return graph.op("Mul").in(products, rowScales);
    }

    private String rowZeroPoint() {
        if (rowZeroPoint == null) {
            rowZeroPoint = graph.weight("row_codes.zero_point", new Tensor("row_codes.zero_point", DType.U8, new long[0],
                    ByteBuffer.wrap(new byte[] {(byte) ROW_ZERO_POINT})));
        }
        return rowZeroPoint;
    }

    private String one() {
        if (one == null) {
            one = graph.scalar(1f);
        }
        return one;
    }
}
