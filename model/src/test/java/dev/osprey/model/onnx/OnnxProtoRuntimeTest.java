package dev.osprey.model.onnx;

import static org.assertj.core.api.Assertions.assertThat;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtSession;
import com.google.protobuf.ByteString;
import dev.osprey.onnx.proto.AttributeProto;
import dev.osprey.onnx.proto.GraphProto;
import dev.osprey.onnx.proto.ModelProto;
import dev.osprey.onnx.proto.NodeProto;
import dev.osprey.onnx.proto.OperatorSetIdProto;
import dev.osprey.onnx.proto.TensorProto;
import dev.osprey.onnx.proto.TensorShapeProto;
import dev.osprey.onnx.proto.TypeProto;
import dev.osprey.onnx.proto.ValueInfoProto;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Our ONNX protobuf subset writes files that ONNX Runtime loads and runs. */
class OnnxProtoRuntimeTest {

    private static ValueInfoProto floatInput(String name, Object... dims) {
        TensorShapeProto.Builder shape = TensorShapeProto.newBuilder();
        for (Object dim : dims) {
            shape.addDim(dim instanceof String param
                    ? TensorShapeProto.Dimension.newBuilder().setDimParam(param)
                    : TensorShapeProto.Dimension.newBuilder().setDimValue((Integer) dim));
        }
        return ValueInfoProto.newBuilder().setName(name)
                .setType(TypeProto.newBuilder().setTensorType(TypeProto.Tensor.newBuilder()
                        .setElemType(TensorProto.DataType.FLOAT_VALUE).setShape(shape)))
                .build();
    }

    @Test
    void gemmWithRawInitializerRunsInOnnxRuntime() throws Exception {
        // y = x · Wᵀ + b with W = [[1, 2], [3, 4], [5, 6]], b = [0.5, -0.5, 1].
        ByteBuffer w = ByteBuffer.allocate(6 * 4).order(ByteOrder.LITTLE_ENDIAN);
        for (float v : new float[] {1, 2, 3, 4, 5, 6}) {
            w.putFloat(v);
        }
        ModelProto model = ModelProto.newBuilder()
                .setIrVersion(10)
                .addOpsetImport(OperatorSetIdProto.newBuilder().setVersion(21))
                .setGraph(GraphProto.newBuilder()
                        .setName("gemm")
                        .addInitializer(TensorProto.newBuilder().setName("w").setDataType(TensorProto.DataType.FLOAT_VALUE)
                                .addDims(3).addDims(2).setRawData(ByteString.copyFrom(w.array())))
                        .addInitializer(TensorProto.newBuilder().setName("b").setDataType(TensorProto.DataType.FLOAT_VALUE)
                                .addDims(3).addFloatData(0.5f).addFloatData(-0.5f).addFloatData(1f))
                        .addNode(NodeProto.newBuilder().setOpType("Gemm").addInput("x").addInput("w").addInput("b").addOutput("y")
                                .addAttribute(AttributeProto.newBuilder().setName("transB")
                                        .setType(AttributeProto.AttributeType.INT).setI(1)))
                        .addInput(floatInput("x", "batch", 2))
                        .addOutput(floatInput("y", "batch", 3)))
                .build();

        OrtEnvironment env = OrtEnvironment.getEnvironment();
        try (OrtSession session = env.createSession(model.toByteArray(), new OrtSession.SessionOptions());
                OnnxTensor x = OnnxTensor.createTensor(env, FloatBuffer.wrap(new float[] {1, 1, 2, -1}), new long[] {2, 2});
                OrtSession.Result result = session.run(Map.of("x", x))) {
            float[][] y = (float[][]) result.get(0).getValue();
            assertThat(y[0]).containsExactly(3.5f, 6.5f, 12f);
            assertThat(y[1]).containsExactly(0.5f, 1.5f, 5f);
        }
    }
}
