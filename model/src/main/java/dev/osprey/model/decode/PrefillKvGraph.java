package dev.osprey.model.decode;

import dev.osprey.model.tensor.DType;
import dev.osprey.onnx.proto.AttributeProto;
import dev.osprey.onnx.proto.GraphProto;
import dev.osprey.onnx.proto.ModelProto;
import dev.osprey.onnx.proto.NodeProto;
import dev.osprey.onnx.proto.TensorProto;
import dev.osprey.onnx.proto.TensorShapeProto;
import dev.osprey.onnx.proto.TypeProto;
import dev.osprey.onnx.proto.ValueInfoProto;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Turns a float32-KV prefill graph ({@link DecoderGraphBuilder#PREFILL_MODEL_FILE}) into one that
 * reads and extends an int8 KV cache with fixed {@link KvScales}, while its attention runs in float32.
 *
 * <p>Why not {@link Int8KvGraph}: ONNX Runtime's CPU attention over an int8 cache handles a prompt one
 * query row at a time, so at the 1,093 positions of an image prompt attention was a third of the
 * prefill, where float32 attention runs as GEMMs. Here each layer dequantises only the cached
 * positions (codes × scale), attends in float32 over them and the run's own keys and values, and
 * quantises only the new positions (round half to even, clipped to int8, as the decode graph's
 * attention stores them), which come out as {@code appended_key.L} / {@code appended_value.L} int8
 * [batch, kvHeads, sequence, headDim]: {@link DecoderSession} copies them into the cache. A run's
 * positions thus attend to each other's exact keys and values, and to earlier runs' through their
 * codes; decode steps read every position through its codes.
 *
 * <p>The cache inputs keep their names and scales ({@link Int8KvGraph#scalesOf} reads them), so the
 * decode graph and this one are checked to share one cache.
 */
public final class PrefillKvGraph {

    private static final String PREFIX = "prefill_kv.";
    private static final String PAST_LENGTH = PREFIX + "past_length";
    private static final String TOTAL = PREFIX + "total";
    private static final String ZERO = PREFIX + "zero";
    private static final String SEQUENCE_AXIS = PREFIX + "sequence_axis";
    private static final String CODE_MIN = PREFIX + "code_min";
    private static final String CODE_MAX = PREFIX + "code_max";

    private PrefillKvGraph() {
    }

    /** The int8 output of layer {@code layer}'s new keys or values ({@code keyOrValue}: "key" or "value"). */
    public static String appendedName(String keyOrValue, int layer) {
        return DecoderGraphBuilder.kvName("appended", keyOrValue, layer);
    }

    /** Rewrites the float32-KV prefill graph {@code model} in place to read and extend an int8 cache with {@code scales}. */
    public static void rewrite(Path model, KvScales scales) {
        ModelProto proto = Int8KvGraph.read(model);
        GraphProto.Builder graph = proto.getGraph().toBuilder();
        List<NodeProto> nodes = lengths();
        int layers = 0;
        for (NodeProto node : graph.getNodeList()) {
            if (!node.getOpType().equals("GroupQueryAttention")) {
                nodes.add(node);
                continue;
            }
            int layer = Int8KvGraph.layerOf(node.getInput(3));
            if (layer >= scales.layers()) {
                throw new IllegalArgumentException("scales for " + scales.layers() + " layers do not cover " + node.getInput(3));
            }
            int kvHeads = scales.keys()[layer].length / Int8KvGraph.headDim(graph, node.getInput(3));
            NodeProto.Builder attention = node.toBuilder();
            List<NodeProto> after = new ArrayList<>();
            for (int kv = 0; kv < 2; kv++) {
                String past = node.getInput(3 + kv);
                String present = PREFIX + node.getOutput(1 + kv);
                String scale = past + Int8KvGraph.SCALE_SUFFIX;
                graph.addInitializer(Int8KvGraph.scaleTensor(scale, kv == 0 ? scales.keys()[layer] : scales.values()[layer], kvHeads));
                nodes.addAll(dequantisePast(past, scale));
                attention.setInput(3 + kv, PREFIX + past).setOutput(1 + kv, present);
                after.addAll(quantiseNew(present, scale, appendedName(kv == 0 ? "key" : "value", layer)));
            }
            nodes.add(attention.build());
            nodes.addAll(after);
            layers++;
        }
        if (layers != scales.layers()) {
            throw new IllegalArgumentException(model + " has " + layers + " attention layers, the scales " + scales.layers());
        }
        graph.clearNode().addAllNode(nodes);
        graph.addAllInitializer(constants());
        for (ValueInfoProto.Builder input : graph.getInputBuilderList()) {
            Int8KvGraph.retypeCache(input);
        }
        replacePresentOutputs(graph);
        Int8KvGraph.write(model, proto.toBuilder().setGraph(graph).build());
    }

    // The run's length n (from the embeddings' shape) and the cached positions before it, total - n, as int64 [1].
    private static List<NodeProto> lengths() {
        String n = PREFIX + "n";
        String total = PREFIX + "total_scalar";
        return new ArrayList<>(List.of(
                node("Shape", List.of(DecoderGraphBuilder.INPUTS_EMBEDS), n, longAttr("start", 1), longAttr("end", 2)),
                node("Cast", List.of(DecoderGraphBuilder.TOTAL_SEQUENCE_LENGTH), total, longAttr("to", DType.I64.onnxType())),
                node("Unsqueeze", List.of(total, ZERO), TOTAL),
                node("Sub", List.of(TOTAL, n), PAST_LENGTH)));
    }

    // codes[:, :, :past_length, :] × scale → the float32 past the attention reads.
    private static List<NodeProto> dequantisePast(String past, String scale) {
        String codes = PREFIX + past + ".codes";
        String widened = PREFIX + past + ".widened";
        return List.of(
                node("Slice", List.of(past, ZERO, PAST_LENGTH, SEQUENCE_AXIS), codes),
                node("Cast", List.of(codes), widened, longAttr("to", DType.F32.onnxType())),
                node("Mul", List.of(widened, scale), PREFIX + past));
    }

    // present[:, :, past_length:total, :] / scale, rounded half to even and clipped to int8.
    private static List<NodeProto> quantiseNew(String present, String scale, String output) {
        String fresh = present + ".new";
        String scaled = present + ".scaled";
        String rounded = present + ".rounded";
        String clipped = present + ".clipped";
        return List.of(
                node("Slice", List.of(present, PAST_LENGTH, TOTAL, SEQUENCE_AXIS), fresh),
                node("Div", List.of(fresh, scale), scaled),
                node("Round", List.of(scaled), rounded),
                node("Clip", List.of(rounded, CODE_MIN, CODE_MAX), clipped),
                node("Cast", List.of(clipped), output, longAttr("to", DType.I8.onnxType())));
    }

    private static List<TensorProto> constants() {
        return List.of(longs(ZERO, 0), longs(SEQUENCE_AXIS, 2), scalar(CODE_MIN, Byte.MIN_VALUE), scalar(CODE_MAX, Byte.MAX_VALUE));
    }

    // Every present_* output becomes appended_* int8 [batch, kvHeads, sequence, headDim].
    private static void replacePresentOutputs(GraphProto.Builder graph) {
        List<ValueInfoProto> outputs = new ArrayList<>();
        for (ValueInfoProto output : graph.getOutputList()) {
            String name = output.getName();
            if (!name.startsWith("present_")) {
                outputs.add(output);
                continue;
            }
            String keyOrValue = name.startsWith("present_key") ? "key" : "value";
            int layer = Integer.parseInt(name.substring(name.lastIndexOf('.') + 1));
            List<TensorShapeProto.Dimension> dims = output.getType().getTensorType().getShape().getDimList();
            TensorShapeProto shape = TensorShapeProto.newBuilder().addDim(dims.get(0)).addDim(dims.get(1))
                    .addDim(TensorShapeProto.Dimension.newBuilder().setDimParam("sequence")).addDim(dims.get(3)).build();
            outputs.add(ValueInfoProto.newBuilder().setName(appendedName(keyOrValue, layer)).setType(TypeProto.newBuilder()
                    .setTensorType(TypeProto.Tensor.newBuilder().setElemType(DType.I8.onnxType()).setShape(shape))).build());
        }
        graph.clearOutput().addAllOutput(outputs);
    }

    private static NodeProto node(String op, List<String> inputs, String output, AttributeProto... attributes) {
        return NodeProto.newBuilder().setOpType(op).setName(output).addAllInput(inputs).addOutput(output)
                .addAllAttribute(List.of(attributes)).build();
    }

    private static AttributeProto longAttr(String name, long value) {
        return AttributeProto.newBuilder().setName(name).setType(AttributeProto.AttributeType.INT).setI(value).build();
    }

    private static TensorProto longs(String name, long value) {
        ByteBuffer bytes = ByteBuffer.allocate(Long.BYTES).order(ByteOrder.LITTLE_ENDIAN).putLong(value);
        return TensorProto.newBuilder().setName(name).setDataType(DType.I64.onnxType()).addDims(1)
                .setRawData(com.google.protobuf.ByteString.copyFrom(bytes.array())).build();
    }

    private static TensorProto scalar(String name, float value) {
        ByteBuffer bytes = ByteBuffer.allocate(Float.BYTES).order(ByteOrder.LITTLE_ENDIAN).putFloat(value);
        return TensorProto.newBuilder().setName(name).setDataType(DType.F32.onnxType())
                .setRawData(com.google.protobuf.ByteString.copyFrom(bytes.array())).build();
    }
}
