package dev.osprey.model.checkpoint;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.osprey.model.Golden;
import dev.osprey.model.tensor.DType;
import dev.osprey.model.tensor.Tensor;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class HfCheckpointTest {

    @TempDir
    Path tmp;

    @Test
    void shardedTorchCheckpointHoldsExactlyTheSafetensorsTensors() {
        try (HfCheckpoint bin = HfCheckpoint.open(Golden.binCheckpoint());
                HfCheckpoint safetensors = HfCheckpoint.open(Golden.safetensorsCheckpoint())) {
            assertThat(bin.names()).hasSize(109).isEqualTo(safetensors.names());
            for (String name : bin.names()) {
                Tensor a = bin.get(name);
                Tensor b = safetensors.get(name);
                assertThat(a.dtype()).as(name).isEqualTo(DType.BF16);
                assertThat(a.shape()).as(name).isEqualTo(b.shape());
                assertThat(a.bytes()).as(name).isEqualTo(b.bytes());
            }
            assertThat(bin.config().path("model_type").asString()).isEqualTo("osprey");
            assertThat(bin.tokenizerFiles()).extracting(p -> p.getFileName().toString())
                    .contains("tokenizer.json", "added_tokens.json");
        }
    }

    @Test
    void fp32OpenClipFileReadsAsFloat32() {
        try (TorchCheckpointFile file = TorchCheckpointFile.open(Golden.binCheckpoint().resolve("open_clip_pytorch_model.bin"))) {
            Tensor stem = file.get("visual.trunk.stem.0.weight");
            assertThat(stem.dtype()).isEqualTo(DType.F32);
            assertThat(stem.shape()).containsExactly(8, 3, 4, 4);
        }
    }

    @Test
    void missingShardIsNamed() throws IOException {
        Path dir = copyOfBinCheckpoint();
        Files.delete(dir.resolve("pytorch_model-00002-of-00002.bin"));

        assertThatThrownBy(() -> HfCheckpoint.open(dir)).hasMessageContaining("missing shard(s) pytorch_model-00002-of-00002.bin");
    }

    @Test
    void directoryWithoutConfigIsNotACheckpoint() {
        assertThatThrownBy(() -> HfCheckpoint.open(tmp)).hasMessageContaining("no config.json");
    }

    @Test
    void truncatedShardIsReported() throws IOException {
        Path dir = copyOfBinCheckpoint();
        Path shard = dir.resolve("pytorch_model-00001-of-00002.bin");
        byte[] bytes = Files.readAllBytes(shard);
        Files.write(shard, java.util.Arrays.copyOf(bytes, bytes.length / 2));

        assertThatThrownBy(() -> HfCheckpoint.open(dir)).hasMessageContaining("pytorch_model-00001-of-00002.bin");
    }

    private Path copyOfBinCheckpoint() throws IOException {
        Path dir = tmp.resolve("ckpt");
        Files.createDirectories(dir);
        try (var files = Files.list(Golden.binCheckpoint())) {
            for (Path f : files.toList()) {
                Files.copy(f, dir.resolve(f.getFileName()));
            }
        }
        return dir;
    }
}
