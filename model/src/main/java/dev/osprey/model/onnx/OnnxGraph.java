package dev.osprey.model.onnx;

import com.google.protobuf.ByteString;
import dev.osprey.model.error.OspreyException;
import dev.osprey.model.error.Reason;
import dev.osprey.model.tensor.DType;
import dev.osprey.model.tensor.Tensor;
import dev.osprey.onnx.proto.AttributeProto;
import dev.osprey.onnx.proto.GraphProto;
import dev.osprey.onnx.proto.ModelProto;
import dev.osprey.onnx.proto.NodeProto;
import dev.osprey.onnx.proto.OperatorSetIdProto;
import dev.osprey.onnx.proto.TensorProto;
import dev.osprey.onnx.proto.TensorShapeProto;
import dev.osprey.onnx.proto.TypeProto;
import dev.osprey.onnx.proto.ValueInfoProto;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

/**
 * Builds an ONNX graph node by node. Values are referred to by name; {@link #op} adds a node and
 * returns its output names. Weights go to an {@link ExternalData} file as they are added (when one
 * is given), so the graph itself stays small whatever the model's size.
 *
 * <pre>{@code
 * OnnxGraph g = new OnnxGraph("mlp", weights);
 * String x = g.input("x", DType.F32, "batch", 32);
 * String h = g.op("MatMul").in(x, g.weight("w", w)).out();
 * g.output(g.op("Gelu").in(h).out("y"), DType.F32, "batch", 64);
 * g.save(path, OnnxGraph.OPSET);
 * }</pre>
 */
public final class OnnxGraph {

    /** The default-domain opset our graphs target (ONNX Runtime 1.29 supports it fully). */
    public static final int OPSET = 21;
    /** The ONNX Runtime contrib domain (GroupQueryAttention, MatMulNBits, ...). */
    public static final String MS_DOMAIN = "com.microsoft";
    /** Tensors up to this size stay inside the model file. */
    private static final int INLINE_LIMIT = 1024;

    private final GraphProto.Builder graph;
    private final ExternalData weights;
    private final Map<String, Integer> counters = new HashMap<>();

    /** A graph whose large initializers go to {@code weights} (null: everything inline). */
    public OnnxGraph(String name, ExternalData weights) {
        this.graph = GraphProto.newBuilder().setName(name);
        this.weights = weights;
    }

    /** Declares a graph input; a dimension is a number or a symbolic name such as "batch". */
    public String input(String name, DType type, Object... dims) {
        graph.addInput(valueInfo(name, type, dims));
        return name;
    }

    /** Declares a graph output. */
    public void output(String name, DType type, Object... dims) {
        graph.addOutput(valueInfo(name, type, dims));
    }

    /** Adds a weight as an initializer (external when large) and returns its name. */
    public String weight(String name, Tensor tensor) {
        if (weights != null && tensor.byteSize() > INLINE_LIMIT) {
            graph.addInitializer(weights.append(name, tensor.dtype(), tensor.shape(), tensor.bytes()));
        } else {
            graph.addInitializer(inline(name, tensor.dtype(), tensor.shape(), tensor.bytes()));
        }
        return name;
    }

    /** A float32 constant of the given shape. */
    public String constant(long[] shape, float... values) {
        ByteBuffer bytes = ByteBuffer.allocate(values.length * 4).order(ByteOrder.LITTLE_ENDIAN);
        bytes.asFloatBuffer().put(values);
        return constant(DType.F32, shape, bytes);
    }

    /** An int64 constant of the given shape (shapes, axes, indices). */
    public String constantLongs(long[] shape, long... values) {
        ByteBuffer bytes = ByteBuffer.allocate(values.length * 8).order(ByteOrder.LITTLE_ENDIAN);
        bytes.asLongBuffer().put(values);
        return constant(DType.I64, shape, bytes);
    }

    /** A 1-D int64 constant. */
    public String longs(long... values) {
        return constantLongs(new long[] {values.length}, values);
    }

    /** A scalar float32 constant. */
    public String scalar(float value) {
        return constant(new long[0], value);
    }

    private String constant(DType type, long[] shape, ByteBuffer bytes) {
        String name = fresh("const");
        graph.addInitializer(inline(name, type, shape, bytes.rewind()));
        return name;
    }

    /** Starts a node of the default domain. */
    public Op op(String opType) {
        return new Op(opType);
    }

    /** The model proto (graph without external weights' bytes). */
    public ModelProto model(int opset, boolean withMsDomain) {
        ModelProto.Builder model = ModelProto.newBuilder()
                .setIrVersion(10)
                .setProducerName("osprey-serving")
                .addOpsetImport(OperatorSetIdProto.newBuilder().setDomain("").setVersion(opset))
                .setGraph(graph);
        if (withMsDomain) {
            model.addOpsetImport(OperatorSetIdProto.newBuilder().setDomain(MS_DOMAIN).setVersion(1));
        }
        return model.build();
    }

    /** Writes the model file (the external-data file, if any, is already written beside it). */
    public void save(Path file, int opset, boolean withMsDomain) {
        ModelProto model = model(opset, withMsDomain);
        try (OutputStream out = Files.newOutputStream(file)) {
            model.writeTo(out);
        } catch (IOException e) {
            throw new OspreyException(Reason.INTERNAL, "cannot write " + file + ": " + e.getMessage(), e);
        }
    }

    private String fresh(String prefix) {
        int n = counters.merge(prefix, 1, Integer::sum);
        return prefix + "_" + n;
    }

    private static TensorProto inline(String name, DType type, long[] shape, ByteBuffer bytes) {
        TensorProto.Builder tensor = TensorProto.newBuilder().setName(name).setDataType(type.onnxType())
                .setRawData(ByteString.copyFrom(bytes));
        for (long d : shape) {
            tensor.addDims(d);
        }
        return tensor.build();
    }

    private static ValueInfoProto valueInfo(String name, DType type, Object... dims) {
        TensorShapeProto.Builder shape = TensorShapeProto.newBuilder();
        for (Object dim : dims) {
            TensorShapeProto.Dimension.Builder d = TensorShapeProto.Dimension.newBuilder();
            if (dim instanceof String param) {
                d.setDimParam(param);
            } else {
                d.setDimValue(((Number) dim).longValue());
            }
            shape.addDim(d);
        }
        return ValueInfoProto.newBuilder().setName(name)
                .setType(TypeProto.newBuilder().setTensorType(
                        TypeProto.Tensor.newBuilder().setElemType(type.onnxType()).setShape(shape)))
                .build();
    }

    /** A node being built: inputs, attributes, then its outputs. */
    public final class Op {
        private final NodeProto.Builder node;

        private Op(String opType) {
            this.node = NodeProto.newBuilder().setOpType(opType);
        }

        /** Puts the node in another domain, e.g. {@link #MS_DOMAIN}. */
        public Op domain(String domain) {
            node.setDomain(domain);
            return this;
        }

        /** Inputs in order; "" marks an omitted optional input. */
        public Op in(String... inputs) {
            for (String input : inputs) {
                node.addInput(input);
            }
            return this;
        }

        public Op attr(String name, long value) {
            node.addAttribute(AttributeProto.newBuilder().setName(name).setType(AttributeProto.AttributeType.INT).setI(value));
            return this;
        }

        public Op attr(String name, float value) {
            node.addAttribute(AttributeProto.newBuilder().setName(name).setType(AttributeProto.AttributeType.FLOAT).setF(value));
            return this;
        }

        public Op attr(String name, String value) {
            node.addAttribute(AttributeProto.newBuilder().setName(name).setType(AttributeProto.AttributeType.STRING)
                    .setS(ByteString.copyFromUtf8(value)));
            return this;
        }

        public Op attrInts(String name, long... values) {
            AttributeProto.Builder a = AttributeProto.newBuilder().setName(name).setType(AttributeProto.AttributeType.INTS);
            for (long v : values) {
                a.addInts(v);
            }
            node.addAttribute(a);
            return this;
        }

        /** Adds the node with one generated output name and returns it. */
        public String out() {
            return outs(1)[0];
        }

        /** Adds the node with one output of the given name. */
        public String out(String name) {
            return outs(new String[] {name})[0];
        }

        /** Adds the node with {@code n} generated output names. */
        public String[] outs(int n) {
            String[] names = new String[n];
            String prefix = node.getOpType().toLowerCase();
            for (int i = 0; i < n; i++) {
                names[i] = fresh(prefix);
            }
            return outs(names);
        }

        /** Adds the node with the given output names ("" for an omitted optional output). */
        public String[] outs(String... names) {
            for (String name : names) {
                node.addOutput(name);
            }
            node.setName(fresh("node_" + node.getOpType()));
            graph.addNode(node);
            return names;
        }
    }
}
