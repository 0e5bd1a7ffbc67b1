package dev.osprey.model.decode;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.osprey.model.Golden;
import dev.osprey.model.checkpoint.SafetensorsFile;
import dev.osprey.model.error.OspreyException;
import dev.osprey.model.error.Reason;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Decoder sizes come from config.json and must agree with the weight shapes. */
class DecoderConfigTest {

    static final DecoderConfig GQA = new DecoderConfig(64, 2, 4, 2, 16, 40, 50, 1e-5f, 10000f, 64);

    @TempDir
    Path dir;

    @Test
    void goldenConfigGivesTheTinyLlamaSizes() {
        try (SafetensorsFile weights = SafetensorsFile.open(Golden.safetensorsCheckpoint().resolve("model.safetensors"))) {
            assertThat(DecoderConfig.load(Golden.safetensorsCheckpoint(), weights))
                    .isEqualTo(new DecoderConfig(64, 2, 4, 4, 16, 172, 32000, 1e-5f, 10000f, 4096));
        }
    }

    @Test
    void kvHeadsThatDisagreeWithKProjRowsAreABadCheckpoint() throws IOException {
        RandomLlama.write(dir, GQA, RandomLlama.configJson(GQA).replace("\"num_key_value_heads\": 2", "\"num_key_value_heads\": 4"), 1);
        assertBadCheckpoint("model.layers.0.self_attn.k_proj.weight' is [32, 64], config.json implies [64, 64]");
    }

    @Test
    void layerCountThatDisagreesWithTheWeightsIsABadCheckpoint() throws IOException {
        RandomLlama.write(dir, GQA, RandomLlama.configJson(GQA).replace("\"num_hidden_layers\": 2", "\"num_hidden_layers\": 3"), 1);
        assertBadCheckpoint("the weights hold layers [0, 1] but config.json says num_hidden_layers 3");
    }

    @Test
    void ropeScalingIsRejected() throws IOException {
        RandomLlama.write(dir, GQA, RandomLlama.configJson(GQA).replace("\"rope_scaling\": null",
                "\"rope_scaling\": {\"type\": \"linear\", \"factor\": 2.0}"), 1);
        assertBadCheckpoint("rope_scaling");
    }

    @Test
    void missingConfigFileIsABadCheckpoint() throws IOException {
        RandomLlama.write(dir, GQA, RandomLlama.configJson(GQA), 1);
        Files.delete(dir.resolve("config.json"));
        assertBadCheckpoint("config.json");
    }

    private void assertBadCheckpoint(String message) {
        try (SafetensorsFile weights = SafetensorsFile.open(dir.resolve("model.safetensors"))) {
            assertThatThrownBy(() -> DecoderConfig.load(dir, weights))
                    .isInstanceOfSatisfying(OspreyException.class, e -> assertThat(e.reason()).isEqualTo(Reason.BAD_CHECKPOINT))
                    .hasMessageContaining(message);
        }
    }
}
