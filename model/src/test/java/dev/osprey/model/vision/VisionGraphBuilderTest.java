package dev.osprey.model.vision;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.osprey.model.checkpoint.TensorStore;
import dev.osprey.model.error.OspreyException;
import dev.osprey.model.error.Reason;
import dev.osprey.model.tensor.Tensor;
import dev.osprey.onnx.proto.GraphProto;
import dev.osprey.onnx.proto.ModelProto;
import dev.osprey.onnx.proto.TensorProto;
import dev.osprey.onnx.proto.ValueInfoProto;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.function.UnaryOperator;
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
