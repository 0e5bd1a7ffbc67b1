package dev.osprey.model.checkpoint;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.osprey.model.Golden;
import dev.osprey.model.error.OspreyException;
import dev.osprey.model.error.Reason;
import dev.osprey.model.tensor.DType;
import dev.osprey.model.tensor.Tensor;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SafetensorsFileTest {

    @TempDir
    Path tmp;

    @Test
    void readsTheGoldenCheckpointWithItsRealKeysAndBf16Weights() {
        try (SafetensorsFile file = SafetensorsFile.open(Golden.safetensorsCheckpoint().resolve("model.safetensors"))) {
            assertThat(file.names()).hasSize(109).contains("model.embed_tokens.weight", "lm_head.weight",
                    "model.vision_tower.vision_tower.visual.trunk.stem.0.weight", "mask_extractor.mask_linear.layers.0.weight");
            Tensor embed = file.get("model.embed_tokens.weight");
            assertThat(embed.dtype()).isEqualTo(DType.BF16);
            assertThat(embed.shape()).containsExactly(32000, 64);
            assertThat(file.get("mask_extractor.mask_linear.layers.0.weight").shape()).containsExactly(32, 12544);
        }
    }

    @Test
    void writtenFileReadsBackIdentically() {
        Tensor a = Tensor.ofFloats("a", new long[] {2, 3}, new float[] {1, -2, 3.5f, 0, 1e-8f, -0f});
        Tensor b = a.renamed("b").to(DType.BF16);
        Path file = tmp.resolve("t.safetensors");

        SafetensorsWriter.writeTensors(file, List.of(a, b), Map.of("format", "pt"));

        try (SafetensorsFile read = SafetensorsFile.open(file)) {
            assertThat(read.names()).containsExactly("a", "b");
            assertThat(read.floats("a")).containsExactly(1, -2, 3.5f, 0, 1e-8f, -0f);
            assertThat(read.get("b").dtype()).isEqualTo(DType.BF16);
            assertThat(read.floats("b")[2]).isEqualTo(3.5f);
            assertThat(read.metadata()).containsEntry("format", "pt");
        }
    }

    @Test
    void truncatedFileIsRejectedWithItsPath() throws IOException {
        Path file = tmp.resolve("broken.safetensors");
        Files.write(file, new byte[] {100, 0, 0, 0, 0, 0, 0, 0, '{', '}'});

        assertThatThrownBy(() -> SafetensorsFile.open(file))
                .isInstanceOfSatisfying(OspreyException.class, e -> assertThat(e.reason()).isEqualTo(Reason.BAD_CHECKPOINT))
                .hasMessageContaining("broken.safetensors").hasMessageContaining("not a safetensors file");
    }

    @Test
    void aNegativeOrOverflowingShapeIsRefused() {
        // Found by CheckpointFileFuzzTest: [-2, -3] has 6 elements, so it matched 24 bytes of data and was
        // read as a tensor with negative dimensions; [2^62] F32 is 2^64 bytes, which overflowed to the 0 of [0, 0].
        assertBadCheckpoint("{\"a\":{\"dtype\":\"F32\",\"shape\":[-2,-3],\"data_offsets\":[0,24]}}",
                ": tensor 'a' has an invalid shape [-2, -3] (a negative dimension, or more bytes than a long holds)");
        assertBadCheckpoint("{\"a\":{\"dtype\":\"F32\",\"shape\":[4611686018427387904],\"data_offsets\":[0,0]}}",
                ": tensor 'a' has an invalid shape [4611686018427387904] (a negative dimension, or more bytes than a long holds)");
    }

    @Test
    void aHeaderOfTheWrongShapeIsNamedWithTheFileAndTensor() {
        // Found by CheckpointFileFuzzTest: Jackson coerced "2" to 2 and failed on [2] with "'ArrayNode' method
        // `asLong()` cannot coerce value", the dtype error named no file, and a header that is a list opened empty.
        String needs = ": tensor 'a' needs \"dtype\" (a string), \"shape\" (a list of integers) and \"data_offsets\" ([begin, end]), got ";
        assertBadCheckpoint("{\"a\":{\"dtype\":\"F32\",\"shape\":[\"2\",3],\"data_offsets\":[0,24]}}",
                needs + "{\"dtype\":\"F32\",\"shape\":[\"2\",3],\"data_offsets\":[0,24]}");
        assertBadCheckpoint("{\"a\":{\"dtype\":\"F32\",\"shape\":[[2],3],\"data_offsets\":[0,24]}}",
                needs + "{\"dtype\":\"F32\",\"shape\":[[2],3],\"data_offsets\":[0,24]}");
        assertBadCheckpoint("{\"a\":{\"dtype\":\"F8\",\"shape\":[2,3],\"data_offsets\":[0,24]}}",
                ": tensor 'a': unsupported tensor dtype 'F8' (supported: F32, F16, BF16, F64, I64, I32, I8, U8, BOOL)");
        assertBadCheckpoint("{\"__metadata__\":{\"format\":[\"pt\"]}}", ": __metadata__ entry 'format' is not a string");
        assertBadCheckpoint("[]", " is not a safetensors file (its header is not a JSON object)");
    }

    @Test
    void missingTensorIsNamed() {
        try (SafetensorsFile file = SafetensorsFile.open(Golden.safetensorsCheckpoint().resolve("model.safetensors"))) {
            assertThatThrownBy(() -> file.get("model.layers.9.mlp.up_proj.weight"))
                    .hasMessageContaining("model.layers.9.mlp.up_proj.weight");
        }
    }

    /** A file of {@code header} and 24 data bytes fails to open with BAD_CHECKPOINT: its path, then {@code message}. */
    private void assertBadCheckpoint(String header, String message) {
        byte[] json = header.getBytes(StandardCharsets.UTF_8);
        Path file = tmp.resolve("header.safetensors");
        try {
            Files.write(file, ByteBuffer.allocate(8 + json.length + 24).order(ByteOrder.LITTLE_ENDIAN).putLong(json.length).put(json).array());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        assertThatThrownBy(() -> SafetensorsFile.open(file))
                .isInstanceOfSatisfying(OspreyException.class, e -> assertThat(e.reason()).isEqualTo(Reason.BAD_CHECKPOINT))
                .hasMessage(file + message);
    }
}
