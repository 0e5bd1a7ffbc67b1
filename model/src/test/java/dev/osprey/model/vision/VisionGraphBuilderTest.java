package dev.osprey.model.vision;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.osprey.model.checkpoint.SafetensorsFile;
import dev.osprey.model.checkpoint.TensorStore;
import dev.osprey.model.error.OspreyException;
import dev.osprey.model.error.Reason;
import dev.osprey.model.onnx.OnnxGraph;
import dev.osprey.model.tensor.DType;
import dev.osprey.model.tensor.Tensor;
import dev.osprey.onnx.proto.GraphProto;
import dev.osprey.onnx.proto.ModelProto;
import dev.osprey.onnx.proto.TensorProto;
import dev.osprey.onnx.proto.ValueInfoProto;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.function.UnaryOperator;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The graph builder writes a model with its weights outside it, and checks every weight's shape. */
class VisionGraphBuilderTest {

    @TempDir
    Path dir;

    @Test
    void writesTheModelWithItsLargeWeightsInTheExternalDataFile() throws Exception {
        Path model = TinyVision.build(dir);

        assertThat(model).isEqualTo(dir.resolve(VisionGraphBuilder.MODEL_FILE));
        GraphProto graph;
        try (InputStream in = Files.newInputStream(model)) {
            graph = ModelProto.parseFrom(in).getGraph();
        }
        // e.g. stages.3.blocks.0.mlp.fc1.weight_t [64, 256]: far above the 1 KiB kept inline.
        List<TensorProto> large = graph.getInitializerList().stream()
                .filter(t -> t.getDimsList().stream().reduce(1L, Math::multiplyExact) >= 1024).toList();
        assertThat(large).isNotEmpty().allSatisfy(t -> {
            assertThat(t.getDataLocation()).isEqualTo(TensorProto.DataLocation.EXTERNAL);
            assertThat(t.getExternalData(0).getValue()).isEqualTo(VisionGraphBuilder.DATA_FILE);
        });
        assertThat(graph.getOutputList()).extracting(ValueInfoProto::getName)
                .containsExactly("res2", "res3", "res4", "res5", VisionGraphBuilder.IMAGE_EMBEDS);
    }

    @Test
    void int8MultipliesTheBlockMlpsAndTheProjectorInInt8AndKeepsTheRestFloat() throws Exception {
        Path model;
        try (SafetensorsFile checkpoint = TinyVision.checkpoint()) {
            model = VisionGraphBuilder.write(checkpoint, VisionConfig.from(checkpoint), VisionPrecision.INT8, dir);
        }
        ModelProto proto;
        try (InputStream in = Files.newInputStream(model)) {
            proto = ModelProto.parseFrom(in);
        }
        GraphProto graph = proto.getGraph();
        // 5 blocks x (fc1, fc2) + the projector's two Linears; the convolutions stay float.
        assertThat(graph.getNodeList().stream().filter(n -> n.getOpType().equals("MatMulIntegerToFloat"))).hasSize(12);
        assertThat(graph.getNodeList().stream().filter(n -> n.getOpType().equals("MatMul"))).isEmpty();
        assertThat(graph.getNodeList().stream().filter(n -> n.getOpType().equals("Conv"))).hasSize(9);
        Map<String, Integer> types = graph.getInitializerList().stream().collect(Collectors.toMap(TensorProto::getName, TensorProto::getDataType));
        String fc1 = VisionConfig.OSPREY_TRUNK + "stages.3.blocks.0.mlp.fc1.weight";
        assertThat(types).containsEntry(fc1 + ".int8", DType.I8.onnxType()).containsEntry(fc1 + ".scales", DType.F32.onnxType())
                .containsEntry(VisionConfig.OSPREY_PROJECTOR + "2.weight.int8", DType.I8.onnxType())
                .containsEntry(VisionConfig.OSPREY_TRUNK + "stages.3.blocks.0.conv_dw.weight", DType.F32.onnxType())
                .doesNotContainKey(fc1 + "_t");
        assertThat(proto.getOpsetImportList()).anyMatch(opset -> opset.getDomain().equals(OnnxGraph.MS_DOMAIN));
    }

    @Test
    void aWeightWithTheWrongShapeFailsNamingIt() {
        String gamma = VisionConfig.OSPREY_TRUNK + "stages.1.blocks.0.gamma";
        UnaryOperator<Tensor> truncateGamma = t -> t.name().equals(gamma)
                ? Tensor.ofFloats(gamma, new long[] {15}, new float[15]) : t;
        try (TensorStore store = TinyVision.view(TinyVision.checkpoint(), UnaryOperator.identity(), truncateGamma)) {
            VisionConfig config = VisionConfig.from(store);

            assertThatThrownBy(() -> VisionGraphBuilder.write(store, config, dir))
                    .isInstanceOfSatisfying(OspreyException.class, e -> assertThat(e.reason()).isEqualTo(Reason.BAD_CHECKPOINT))
                    .hasMessageContaining("vision tensor " + gamma + " is [15], expected [16]");
        }
    }
}
