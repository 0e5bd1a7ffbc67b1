package dev.osprey.model.checkpoint;

import static org.assertj.core.api.Assertions.assertThat;

import dev.osprey.model.Golden;
import dev.osprey.model.tensor.Tensor;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RandomCheckpointTest {

    @TempDir
    Path tmp;

    @Test
    void tinyCheckpointHasTheGoldenKeysShapesAndLayout() {
        new RandomCheckpoint(CheckpointGeometry.TINY, 7).write(tmp);

        try (HfCheckpoint written = HfCheckpoint.open(tmp); HfCheckpoint golden = HfCheckpoint.open(Golden.binCheckpoint())) {
            assertThat(written.names()).isEqualTo(golden.names());
            for (String name : golden.names()) {
                assertThat(written.get(name).shape()).as(name).isEqualTo(golden.get(name).shape());
                assertThat(written.get(name).dtype()).as(name).isEqualTo(golden.get(name).dtype());
            }
            for (String field : new String[] {"hidden_size", "num_hidden_layers", "num_attention_heads", "num_key_value_heads",
                    "intermediate_size", "vocab_size", "mm_hidden_size", "model_type", "mm_projector_type", "architectures"}) {
                assertThat(written.config().get(field)).as(field).isEqualTo(golden.config().get(field));
            }
            assertThat(written.tokenizerFiles()).hasSize(4);
            assertThat(tmp.resolve("pytorch_model-00001-of-00002.bin")).exists();
        }
    }

    @Test
    void sameSeedSameWeightsOtherSeedOtherWeights() {
        new RandomCheckpoint(CheckpointGeometry.TINY, 1).write(tmp.resolve("a"));
        new RandomCheckpoint(CheckpointGeometry.TINY, 1).write(tmp.resolve("b"));
        new RandomCheckpoint(CheckpointGeometry.TINY, 2).write(tmp.resolve("c"));
        try (HfCheckpoint a = HfCheckpoint.open(tmp.resolve("a")); HfCheckpoint b = HfCheckpoint.open(tmp.resolve("b"));
                HfCheckpoint c = HfCheckpoint.open(tmp.resolve("c"))) {
            String key = "model.layers.1.mlp.up_proj.weight";
            assertThat(a.floats(key)).containsExactly(b.floats(key));
            assertThat(Arrays.equals(a.floats(key), c.floats(key))).isFalse();
        }
    }

    @Test
    void weightsHaveTheIntendedScale() {
        new RandomCheckpoint(CheckpointGeometry.TINY, 3).write(tmp);
        try (HfCheckpoint ckpt = HfCheckpoint.open(tmp)) {
            Tensor up = ckpt.get("model.layers.0.mlp.up_proj.weight");
            assertThat(std(up.toFloats())).isCloseTo(1 / Math.sqrt(64), org.assertj.core.data.Offset.offset(0.01));
            float[] gamma = ckpt.floats("model.vision_tower.vision_tower.visual.trunk.stages.2.blocks.1.gamma");
            assertThat(mean(gamma)).isCloseTo(0.5, org.assertj.core.data.Offset.offset(0.05));
            float[] invFreq = ckpt.floats("model.layers.0.self_attn.rotary_emb.inv_freq");
            assertThat(invFreq[0]).isEqualTo(1f);
            assertThat(invFreq[1]).isCloseTo((float) Math.pow(10000, -2.0 / 16), org.assertj.core.data.Offset.offset(2e-3f));
        }
    }

    private static double mean(float[] v) {
        double s = 0;
        for (float x : v) {
            s += x;
        }
        return s / v.length;
    }

    private static double std(float[] v) {
        double m = mean(v);
        double s = 0;
        for (float x : v) {
            s += (x - m) * (x - m);
        }
        return Math.sqrt(s / v.length);
    }
}
