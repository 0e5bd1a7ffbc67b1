package dev.osprey.model.vision;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.osprey.model.checkpoint.SafetensorsFile;
import dev.osprey.model.checkpoint.TensorStore;
import dev.osprey.model.error.OspreyException;
import dev.osprey.model.error.Reason;
import java.util.List;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.Test;

/** The vision geometry comes from the checkpoint's weight shapes. */
class VisionConfigTest {

    @Test
    void infersTheTinyGeometryFromWeightShapes() {
        try (SafetensorsFile checkpoint = TinyVision.checkpoint()) {
            VisionConfig config = VisionConfig.from(checkpoint);

            assertThat(config.depths()).containsExactly(1, 1, 2, 1);
            assertThat(config.dims()).containsExactly(8, 16, 32, 64);
            assertThat(config.patchSize()).isEqualTo(4);
            assertThat(config.mmHidden()).isEqualTo(32);
            assertThat(config.hidden()).isEqualTo(64);
            assertThat(List.of(config.side(0), config.side(1), config.side(2), config.side(3))).containsExactly(128, 64, 32, 16);
            assertThat(config.tokens()).isEqualTo(1024);
        }
    }

    @Test
    void readsTheOpenClipTrunkLayoutUnderItsOwnPrefix() {
        UnaryOperator<String> toOpenClip = k -> k.replace(VisionConfig.OSPREY_TRUNK, VisionConfig.OPEN_CLIP_TRUNK);
        try (TensorStore openClip = TinyVision.view(TinyVision.checkpoint(), toOpenClip, UnaryOperator.identity())) {
            VisionConfig config = VisionConfig.from(openClip, VisionConfig.OPEN_CLIP_TRUNK, VisionConfig.OSPREY_PROJECTOR);

            assertThat(config.depths()).containsExactly(1, 1, 2, 1);
            assertThat(config.dims()).containsExactly(8, 16, 32, 64);
            assertThat(config.trunk("stem.0.weight")).isEqualTo("visual.trunk.stem.0.weight");
        }
    }

    @Test
    void aMissingBlockTensorFailsNamingIt() {
        String missing = VisionConfig.OSPREY_TRUNK + "stages.2.blocks.1.mlp.fc2.weight";
        try (TensorStore store = TinyVision.view(TinyVision.checkpoint(), k -> k.equals(missing) ? null : k, UnaryOperator.identity())) {
            assertThatThrownBy(() -> VisionConfig.from(store))
                    .isInstanceOfSatisfying(OspreyException.class, e -> assertThat(e.reason()).isEqualTo(Reason.BAD_CHECKPOINT))
                    .hasMessageContaining("lacks 1 vision tensor(s): " + missing);
        }
    }

    @Test
    void aMissingProjectorFailsNamingItsKeys() {
        try (TensorStore store = TinyVision.view(TinyVision.checkpoint(),
                k -> k.startsWith(VisionConfig.OSPREY_PROJECTOR) ? null : k, UnaryOperator.identity())) {
            assertThatThrownBy(() -> VisionConfig.from(store))
                    .isInstanceOfSatisfying(OspreyException.class, e -> assertThat(e.reason()).isEqualTo(Reason.BAD_CHECKPOINT))
                    .hasMessageContaining("lacks 4 vision tensor(s): model.mm_projector.0.weight, model.mm_projector.0.bias");
        }
    }

    @Test
    void aWrongTrunkPrefixSaysNoBlocksWereFound() {
        try (SafetensorsFile checkpoint = TinyVision.checkpoint()) {
            assertThatThrownBy(() -> VisionConfig.from(checkpoint, VisionConfig.OPEN_CLIP_TRUNK, VisionConfig.OSPREY_PROJECTOR))
                    .isInstanceOfSatisfying(OspreyException.class, e -> assertThat(e.reason()).isEqualTo(Reason.BAD_CHECKPOINT))
                    .hasMessageContaining("no ConvNeXt blocks found: expected keys like 'visual.trunk.stages.0.blocks.0.conv_dw.weight'");
        }
    }
}
