package dev.osprey.model.bundle;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.osprey.model.Golden;
import dev.osprey.model.checkpoint.HfCheckpoint;
import dev.osprey.model.checkpoint.SafetensorsFile;
import dev.osprey.model.checkpoint.TensorStore;
import dev.osprey.model.decode.DecoderConfig;
import dev.osprey.model.error.OspreyException;
import dev.osprey.model.tensor.Tensor;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The Llama export of the golden checkpoint in the real layout (sharded bf16 PyTorch files with the
 * vision tower, projector, extractor and rotary buffers): exactly the language model's tensors, byte
 * for byte, under the names and in the files a Hugging Face Llama checkpoint has.
 */
class HfLlamaExportTest {

    private static final JsonMapper JSON = JsonMapper.builder().build();

    @TempDir
    Path tmp;

    @Test
    void singleFileExportHoldsExactlyTheLanguageModelWithTheSourceBytes() throws IOException {
        Path out = tmp.resolve("hf");
        try (HfCheckpoint source = HfCheckpoint.open(Golden.binCheckpoint())) {
            HfLlamaExport.DEFAULT.write(source, out);
            DecoderConfig config = DecoderConfig.fromJson(source.config(), source);

            assertThat(fileNames(out)).containsExactlyInAnyOrder("config.json", "model.safetensors", "tokenizer.json",
                    "tokenizer_config.json", "special_tokens_map.json", "added_tokens.json");
            try (SafetensorsFile exported = SafetensorsFile.open(out.resolve(HfLlamaExport.WEIGHTS_FILE))) {
                assertThat(exported.names()).containsExactlyElementsOf(HfLlamaExport.llamaKeys(config));
                assertThat(exported.metadata()).containsEntry("format", "pt");
                assertSameTensors(source, exported);
            }
            for (String file : List.of("tokenizer.json", "tokenizer_config.json", "special_tokens_map.json", "added_tokens.json")) {
                assertThat(out.resolve(file)).as(file).hasSameBinaryContentAs(source.dir().resolve(file));
            }
        }
    }

    @Test
    void configJsonIsALlamaConfigWithTheDecoderSizes() throws IOException {
        Path out = tmp.resolve("hf");
        try (HfCheckpoint source = HfCheckpoint.open(Golden.binCheckpoint())) {
            HfLlamaExport.DEFAULT.write(source, out);
            DecoderConfig config = DecoderConfig.fromJson(source.config(), source);
            JsonNode json = JSON.readTree(Files.readString(out.resolve("config.json")));

            assertThat(json.get("architectures").get(0).asString()).isEqualTo("LlamaForCausalLM");
            assertThat(json.get("model_type").asString()).isEqualTo("llama");
            assertThat(json.get("hidden_size").asInt()).isEqualTo(config.hidden()).isEqualTo(64);
            assertThat(json.get("intermediate_size").asInt()).isEqualTo(config.intermediate()).isEqualTo(172);
            assertThat(json.get("num_hidden_layers").asInt()).isEqualTo(config.layers()).isEqualTo(2);
            assertThat(json.get("num_attention_heads").asInt()).isEqualTo(config.heads()).isEqualTo(4);
            assertThat(json.get("num_key_value_heads").asInt()).isEqualTo(config.kvHeads()).isEqualTo(4);
            assertThat(json.get("head_dim").asInt()).isEqualTo(config.headDim()).isEqualTo(16);
            assertThat(json.get("vocab_size").asInt()).isEqualTo(config.vocab()).isEqualTo(32000);
            assertThat(json.get("max_position_embeddings").asInt()).isEqualTo(config.maxPositions()).isEqualTo(4096);
            // The source writes these as 1e-05 and 10000.0; the export must not turn them into float noise.
            assertThat(json.get("rms_norm_eps").asDouble()).isEqualTo(source.config().get("rms_norm_eps").asDouble());
            assertThat(json.get("rope_theta").asDouble()).isEqualTo(source.config().get("rope_theta").asDouble());
            assertThat(json.get("rope_scaling").isNull()).isTrue();
            assertThat(json.get("hidden_act").asString()).isEqualTo("silu");
            assertThat(json.get("torch_dtype").asString()).isEqualTo(source.config().get("torch_dtype").asString()).isEqualTo("bfloat16");
            assertThat(json.get("tie_word_embeddings").asBoolean()).isFalse();
            for (String id : List.of("bos_token_id", "eos_token_id", "pad_token_id")) {
                assertThat(json.get(id).asInt()).as(id).isEqualTo(source.config().get(id).asInt());
            }
            try (HfCheckpoint exported = HfCheckpoint.open(out)) {
                assertThat(DecoderConfig.fromJson(exported.config(), exported)).isEqualTo(config);
            }
        }
    }

    @Test
    void largeModelsAreShardedWithAnIndexAsSavePretrainedWrites() throws IOException {
        Path out = tmp.resolve("hf");
        // embed_tokens alone is 4,096,000 bytes: the limit forces lm_head (as large) into a second shard.
        long limit = 4_200_000;
        try (HfCheckpoint source = HfCheckpoint.open(Golden.binCheckpoint())) {
            new HfLlamaExport(limit).write(source, out);

            assertThat(out.resolve(HfLlamaExport.WEIGHTS_FILE)).doesNotExist();
            assertThat(fileNames(out)).contains(HfLlamaExport.INDEX_FILE, "model-00001-of-00002.safetensors", "model-00002-of-00002.safetensors")
                    .noneMatch(name -> name.startsWith("model-00003"));
            JsonNode index = JSON.readTree(Files.readString(out.resolve(HfLlamaExport.INDEX_FILE)));
            assertThat(index.get("weight_map").get(DecoderConfig.EMBED_TOKENS).asString()).isEqualTo("model-00001-of-00002.safetensors");
            assertThat(index.get("weight_map").get(DecoderConfig.LM_HEAD).asString()).isEqualTo("model-00002-of-00002.safetensors");
            long totalBytes = 0;
            for (String shard : List.of("model-00001-of-00002.safetensors", "model-00002-of-00002.safetensors")) {
                try (SafetensorsFile file = SafetensorsFile.open(out.resolve(shard))) {
                    long shardBytes = file.names().stream().mapToLong(name -> file.get(name).byteSize()).sum();
                    assertThat(shardBytes).as(shard).isLessThanOrEqualTo(limit);
                    totalBytes += shardBytes;
                }
            }
            assertThat(index.get("metadata").get("total_size").asLong()).isEqualTo(totalBytes);
            try (HfCheckpoint exported = HfCheckpoint.open(out)) {
                assertThat(exported.names()).containsExactlyInAnyOrderElementsOf(
                        HfLlamaExport.llamaKeys(DecoderConfig.fromJson(source.config(), source)));
                assertSameTensors(source, exported);
            }
        }
    }

    @Test
    void aConfigThatDoesNotDescribeTheWeightsIsRefusedBeforeAnythingIsWritten() {
        Path out = tmp.resolve("hf");
        try (HfCheckpoint source = HfCheckpoint.open(Golden.binCheckpoint())) {
            DecoderConfig real = DecoderConfig.fromJson(source.config(), source);
            DecoderConfig wider = new DecoderConfig(real.hidden(), real.layers(), real.heads(), real.kvHeads(), real.headDim(),
                    real.intermediate() * 2, real.vocab(), real.rmsNormEps(), real.ropeTheta(), real.maxPositions());

            assertThatThrownBy(() -> HfLlamaExport.DEFAULT.write(source, wider, source.dir(), out))
                    .isInstanceOf(OspreyException.class).hasMessageContaining("gate_proj").hasMessageContaining("config.json implies");
            assertThat(out).doesNotExist();
        }
    }

    @Test
    void aFolderThatIsNotEmptyIsRefused() throws IOException {
        Files.writeString(tmp.resolve("notes.txt"), "someone's file");
        try (HfCheckpoint source = HfCheckpoint.open(Golden.binCheckpoint())) {
            assertThatThrownBy(() -> HfLlamaExport.DEFAULT.write(source, tmp))
                    .isInstanceOf(OspreyException.class).hasMessageContaining("is not empty");
        }
        assertThat(fileNames(tmp)).containsExactlyInAnyOrder("notes.txt");
    }

    /** Every exported tensor has the source tensor's dtype, shape and bytes. */
    private static void assertSameTensors(HfCheckpoint source, TensorStore exported) {
        for (String name : exported.names()) {
            Tensor expected = source.get(name);
            Tensor actual = exported.get(name);
            assertThat(actual.dtype()).as("%s dtype", name).isEqualTo(expected.dtype());
            assertThat(actual.shape()).as("%s shape", name).isEqualTo(expected.shape());
            assertThat(actual.bytes()).as("%s bytes", name).isEqualTo(expected.bytes());
        }
    }

    private static Set<String> fileNames(Path dir) throws IOException {
        try (Stream<Path> files = Files.list(dir)) {
            return new HashSet<>(files.map(p -> p.getFileName().toString()).toList());
        }
    }
}
