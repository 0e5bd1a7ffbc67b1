package dev.osprey.model.decode;

import com.google.protobuf.ByteString;
import dev.osprey.model.error.OspreyException;
import dev.osprey.model.error.Reason;
import dev.osprey.model.tensor.DType;
import dev.osprey.onnx.proto.AttributeProto;
import dev.osprey.onnx.proto.GraphProto;
import dev.osprey.onnx.proto.ModelProto;
import dev.osprey.onnx.proto.NodeProto;
import dev.osprey.onnx.proto.TensorProto;
import dev.osprey.onnx.proto.ValueInfoProto;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

/**
 * Turns a decoder model of {@link DecoderGraphBuilder} (float32 KV cache) into one whose KV cache is
 * int8 with fixed per-channel {@link KvScales}: ONNX Runtime's CPU GroupQueryAttention quantises each
 * new key and value as it appends it and reads the codes back directly, a quarter of the float32
 * bytes per position, which is what a decode step at a long context spends its attention time on.
 * Only the model file changes (types, attributes, the scales as inline initializers); the weights'
 * external-data file is shared as it is.
 */
public final class Int8KvGraph {

    static final String SCALE_SUFFIX = ".scale";
    // GroupQueryAttention's inputs up to head_sink (index 11); k_scale and v_scale follow.
    private static final int SCALE_INPUT = 12;

    private Int8KvGraph() {
    }

    /** Rewrites the float32-KV decoder {@code model} in place to an int8 KV cache with {@code scales}. */
    public static void rewrite(Path model, KvScales scales) {
        ModelProto proto = read(model);
        GraphProto.Builder graph = proto.getGraph().toBuilder();
        int rewritten = 0;
        for (NodeProto.Builder node : graph.getNodeBuilderList()) {
            if (!node.getOpType().equals("GroupQueryAttention")) {
                continue;
            }
            String pastKey = node.getInput(3);
            String pastValue = node.getInput(4);
            int layer = layerOf(pastKey);
            if (layer >= scales.layers()) {
                throw new IllegalArgumentException("scales for " + scales.layers() + " layers do not cover " + pastKey);
            }
            while (node.getInputCount() < SCALE_INPUT) {
                node.addInput("");
            }
            node.addInput(pastKey + SCALE_SUFFIX).addInput(pastValue + SCALE_SUFFIX);
            node.addAttribute(text("k_quant_type", "PER_CHANNEL")).addAttribute(text("v_quant_type", "PER_CHANNEL"))
                    .addAttribute(AttributeProto.newBuilder().setName("kv_cache_bit_width").setType(AttributeProto.AttributeType.INT).setI(8));
            int kvHeads = scales.keys()[layer].length / headDim(graph, pastKey);
            graph.addInitializer(scaleTensor(pastKey + SCALE_SUFFIX, scales.keys()[layer], kvHeads));
            graph.addInitializer(scaleTensor(pastValue + SCALE_SUFFIX, scales.values()[layer], kvHeads));
            rewritten++;
        }
        if (rewritten != scales.layers()) {
            throw new IllegalArgumentException(model + " has " + rewritten + " attention layers, the scales " + scales.layers());
        }
        for (ValueInfoProto.Builder value : graph.getInputBuilderList()) {
            retypeCache(value);
        }
        for (ValueInfoProto.Builder value : graph.getOutputBuilderList()) {
            retypeCache(value);
        }
        write(model, proto.toBuilder().setGraph(graph).build());
    }

    /** The scales of an int8-KV decoder model; null if its KV cache is float32. */
    public static KvScales scalesOf(Path model) {
        Map<String, float[]> found = new HashMap<>();
        for (TensorProto tensor : read(model).getGraph().getInitializerList()) {
            if (tensor.getName().endsWith(SCALE_SUFFIX)) {
                ByteBuffer raw = tensor.getRawData().asReadOnlyByteBuffer().order(ByteOrder.LITTLE_ENDIAN);
                float[] values = new float[raw.remaining() / Float.BYTES];
                raw.asFloatBuffer().get(values);
                found.put(tensor.getName(), values);
            }
        }
        if (found.isEmpty()) {
            return null;
        }
        int layers = found.size() / 2;
        float[][] keys = new float[layers][];
        float[][] values = new float[layers][];
        for (int l = 0; l < layers; l++) {
            keys[l] = found.get(DecoderGraphBuilder.kvName("past", "key", l) + SCALE_SUFFIX);
            values[l] = found.get(DecoderGraphBuilder.kvName("past", "value", l) + SCALE_SUFFIX);
            if (keys[l] == null || values[l] == null) {
                throw new OspreyException(Reason.BAD_BUNDLE, model + " lacks the KV scales of layer " + l);
            }
        }
        return new KvScales(keys, values);
    }

    static int layerOf(String pastKey) {
        String prefix = DecoderGraphBuilder.kvName("past", "key", 0);
        prefix = prefix.substring(0, prefix.length() - 1);
        if (!pastKey.startsWith(prefix)) {
            throw new IllegalArgumentException("an attention node reads " + pastKey + ", not a past key of the decoder graph");
        }
        return Integer.parseInt(pastKey.substring(prefix.length()));
    }

    static int headDim(GraphProto.Builder graph, String pastKey) {
        for (ValueInfoProto input : graph.getInputList()) {
            if (input.getName().equals(pastKey)) {
                var dims = input.getType().getTensorType().getShape().getDimList();
                return (int) dims.get(dims.size() - 1).getDimValue();
            }
        }
        throw new IllegalArgumentException("the decoder graph has no input " + pastKey);
    }

    static void retypeCache(ValueInfoProto.Builder value) {
        String name = value.getName();
        if (name.startsWith("past_") || name.startsWith("present_")) {
            value.getTypeBuilder().getTensorTypeBuilder().setElemType(DType.I8.onnxType());
        }
    }

    private static AttributeProto text(String name, String value) {
        return AttributeProto.newBuilder().setName(name).setType(AttributeProto.AttributeType.STRING)
                .setS(ByteString.copyFromUtf8(value)).build();
    }

    // [1, kvHeads, 1, headDim]: broadcast over batch and positions, as PER_CHANNEL expects.
    static TensorProto scaleTensor(String name, float[] scales, int kvHeads) {
        ByteBuffer bytes = ByteBuffer.allocate(scales.length * Float.BYTES).order(ByteOrder.LITTLE_ENDIAN);
        bytes.asFloatBuffer().put(scales);
        return TensorProto.newBuilder().setName(name).setDataType(DType.F32.onnxType())
                .addDims(1).addDims(kvHeads).addDims(1).addDims(scales.length / kvHeads)
                .setRawData(ByteString.copyFrom(bytes)).build();
    }

    static ModelProto read(Path model) {
        try (InputStream in = Files.newInputStream(model)) {
            return ModelProto.parseFrom(in);
        } catch (IOException e) {
            throw new OspreyException(Reason.BAD_BUNDLE, "cannot read the decoder model " + model + ": " + e.getMessage(), e);
        }
    }

    static void write(Path model, ModelProto proto) {
        Path tmp = model.resolveSibling(model.getFileName() + ".tmp");
        try {
            try (OutputStream out = Files.newOutputStream(tmp)) {
                proto.writeTo(out);
            }
            Files.move(tmp, model, java.nio.file.StandardCopyOption.REPLACE_EXISTING, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            throw new OspreyException(Reason.INTERNAL, "cannot write " + model + ": " + e.getMessage(), e);
        }
    }
}
