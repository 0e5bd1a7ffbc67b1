package dev.osprey.model.bundle;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.osprey.model.Golden;
import dev.osprey.model.checkpoint.HfCheckpoint;
import dev.osprey.model.checkpoint.SafetensorsFile;
import dev.osprey.model.checkpoint.SafetensorsWriter;
import dev.osprey.model.tensor.Tensor;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class OspreyKeysTest {

    @TempDir
    Path tmp;

    @Test
    void everyGoldenKeyHasItsPart() {
        try (HfCheckpoint golden = HfCheckpoint.open(Golden.binCheckpoint())) {
            OspreyKeys.check(golden, "golden");
            assertThat(OspreyKeys.classify("model.layers.1.self_attn.rotary_emb.inv_freq")).isEqualTo(OspreyKeys.Part.UNUSED);
            assertThat(OspreyKeys.classify("model.vision_tower.vision_tower.visual.head.mlp.fc2.weight")).isEqualTo(OspreyKeys.Part.UNUSED);
            assertThat(OspreyKeys.classify("mask_extractor.mask_linear.layers.2.bias")).isEqualTo(OspreyKeys.Part.EXTRACTOR);
            assertThat(OspreyKeys.classify("model.layers.0.mlp.gate_proj.weight")).isEqualTo(OspreyKeys.Part.DECODER);
        }
    }

    @Test
    void surplusTensorsAreListed() {
        Path file = withExtra(List.of(Tensor.ofFloats("model.layers.0.self_attn.q_proj.bias", new long[] {1}, new float[] {0}),
                Tensor.ofFloats("text.transformer.weight", new long[] {1}, new float[] {0})));
        try (SafetensorsFile store = SafetensorsFile.open(file)) {
            assertThatThrownBy(() -> OspreyKeys.check(store, "ckpt"))
                    .hasMessageContaining("2 unexpected tensor(s)")
                    .hasMessageContaining("model.layers.0.self_attn.q_proj.bias")
                    .hasMessageContaining("text.transformer.weight");
        }
    }

    @Test
    void plainLlamaIsNotAnOspreyCheckpoint() {
        Path file = tmp.resolve("llama.safetensors");
        SafetensorsWriter.writeTensors(file, List.of(
                Tensor.ofFloats("model.embed_tokens.weight", new long[] {1}, new float[] {0}),
                Tensor.ofFloats("lm_head.weight", new long[] {1}, new float[] {0})), Map.of());
        try (SafetensorsFile store = SafetensorsFile.open(file)) {
            assertThatThrownBy(() -> OspreyKeys.check(store, "llama"))
                    .hasMessageContaining("not an Osprey checkpoint").hasMessageContaining("vision");
        }
    }

    private Path withExtra(List<Tensor> extra) {
        Path file = tmp.resolve("extra.safetensors");
        try (SafetensorsFile golden = SafetensorsFile.open(Golden.safetensorsCheckpoint().resolve("model.safetensors"))) {
            List<Tensor> all = new ArrayList<>();
            golden.names().forEach(n -> all.add(golden.get(n)));
            all.addAll(extra);
            SafetensorsWriter.writeTensors(file, all, Map.of());
        }
        return file;
    }
}
