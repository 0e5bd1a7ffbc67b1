package dev.osprey.onnx.proto;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import java.util.HexFormat;
import org.junit.jupiter.api.Test;

class OnnxSubsetWireTest {

    @Test
    void modelWithExternalDataRoundTrips() throws Exception {
        ValueInfoProto input = ValueInfoProto.newBuilder()
                .setName("x")
                .setType(TypeProto.newBuilder().setTensorType(TypeProto.Tensor.newBuilder()
                        .setElemType(TensorProto.DataType.FLOAT_VALUE)
                        .setShape(TensorShapeProto.newBuilder()
                                .addDim(TensorShapeProto.Dimension.newBuilder().setDimParam("batch"))
                                .addDim(TensorShapeProto.Dimension.newBuilder().setDimValue(4)))))
                .build();
        TensorProto weight = TensorProto.newBuilder()
                .setName("w").setDataType(TensorProto.DataType.FLOAT_VALUE).addDims(4).addDims(4)
                .setDataLocation(TensorProto.DataLocation.EXTERNAL)
                .addExternalData(StringStringEntryProto.newBuilder().setKey("location").setValue("weights.bin"))
                .addExternalData(StringStringEntryProto.newBuilder().setKey("offset").setValue("0"))
                .addExternalData(StringStringEntryProto.newBuilder().setKey("length").setValue("64"))
                .build();
        NodeProto node = NodeProto.newBuilder()
                .setOpType("Gemm").addInput("x").addInput("w").addOutput("y")
                .addAttribute(AttributeProto.newBuilder().setName("transB").setType(AttributeProto.AttributeType.INT).setI(1))
                .build();
        ModelProto model = ModelProto.newBuilder()
                .setIrVersion(10)
                .addOpsetImport(OperatorSetIdProto.newBuilder().setDomain("").setVersion(21))
                .setProducerName("osprey")
                .setGraph(GraphProto.newBuilder().setName("g").addNode(node).addInitializer(weight)
                        .addInput(input).addOutput(ValueInfoProto.newBuilder().setName("y")))
                .build();

        ModelProto parsed = ModelProto.parseFrom(model.toByteArray());

        assertThat(parsed).isEqualTo(model);
        assertThat(parsed.getGraph().getInput(0).getType().getTensorType().getShape().getDim(0).hasDimValue()).isFalse();
    }

    @Test
    void fieldNumbersMatchTheFormat() {
        // ir_version = 1, graph = 7, GraphProto.node = 1, NodeProto.op_type = 4,
        // TensorProto.raw_data = 9, data_type = 2, dims = 1 (unpacked in the format's proto2 schema).
        ModelProto model = ModelProto.newBuilder()
                .setIrVersion(8)
                .setGraph(GraphProto.newBuilder().addNode(NodeProto.newBuilder().setOpType("Relu")))
                .build();
        assertThat(HexFormat.of().formatHex(model.toByteArray())).isEqualTo("0808" + "3a08" + "0a06" + "2204" + "52656c75");

        TensorProto tensor = TensorProto.newBuilder().addDims(2).setDataType(1)
                .setRawData(ByteString.copyFrom(new byte[] {7})).build();
        assertThat(HexFormat.of().formatHex(tensor.toByteArray())).isEqualTo("0802" + "1001" + "4a0107");
    }
}
