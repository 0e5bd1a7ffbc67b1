package dev.osprey.model.trtllm;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * Holds {@link TrtllmContract} and the repository it writes to the backend's documented configuration
 * (test resource {@code trtllm/tensorrt_llm-documented.txt}, with its source): a renamed input, a
 * changed data type or dims fail here, not on a GPU.
 */
class TrtllmContractTest {

    private static final Pattern BLOCK = Pattern.compile("name: \"([a-z_]+)\"\\s+data_type: (TYPE_[A-Z0-9]+)\\s+dims: \\[ ([-0-9, ]+) \\]");

    @Test
    void everyTensorOspreyUsesHasTheDocumentedNameTypeDimsAndOptionality() {
        List<String[]> documented = lines("input", "output");
        List<TrtllmTensor> ours = new ArrayList<>(TrtllmContract.INPUTS);
        ours.addAll(TrtllmContract.OUTPUTS);
        assertThat(documented).hasSameSizeAs(ours);
        for (TrtllmTensor tensor : ours) {
            String[] fact = documented.stream().filter(f -> f[1].equals(tensor.name())).findFirst()
                    .orElseThrow(() -> new AssertionError(tensor.name() + " is not in the documented configuration"));
            assertThat(fact[0]).as(tensor.name() + " direction").isEqualTo(TrtllmContract.INPUTS.contains(tensor) ? "input" : "output");
            assertThat(tensor.configType()).as(tensor.name() + " data type").isEqualTo(fact[2]);
            assertThat(tensor.dims().toString().replace(" ", "")).as(tensor.name() + " dims").isEqualTo(fact[3]);
            assertThat(tensor.optional()).as(tensor.name() + " optional").isEqualTo(fact[4].equals("optional"));
        }
    }

    @Test
    void theModelNameBackendAndParameterKeysAreTheDocumentedOnes() {
        assertThat(lines("model").getFirst()).containsExactly("model", TrtllmContract.MODEL_NAME, TrtllmContract.BACKEND);
        assertThat(lines("parameter").stream().map(f -> f[1]).toList())
                .containsExactlyInAnyOrderElementsOf(TrtllmRepository.parameters().keySet());
        assertThat(lines("fact").stream().filter(f -> f[1].equals("in_flight_batching")).findFirst().orElseThrow()[2])
                .isEqualTo(TrtllmContract.INFLIGHT_FUSED_BATCHING);
    }

    @Test
    void theWrittenConfigDeclaresEveryContractTensorDecoupledWithKvReuseOnTheEngine() {
        TrtllmRepository repository = TrtllmRepository.forImageTokens(1024);
        String config = repository.config();
        List<String> declared = new ArrayList<>();
        Matcher block = BLOCK.matcher(config);
        while (block.find()) {
            TrtllmTensor tensor = TrtllmContract.INPUTS.stream().filter(t -> t.name().equals(block.group(1))).findFirst()
                    .orElseGet(() -> TrtllmContract.OUTPUTS.stream().filter(t -> t.name().equals(block.group(1))).findFirst().orElseThrow());
            assertThat(block.group(2)).as(tensor.name()).isEqualTo(tensor.configType());
            assertThat("[" + block.group(3).replace(" ", "") + "]").as(tensor.name()).isEqualTo(tensor.dims().toString().replace(" ", ""));
            declared.add(tensor.name());
        }
        assertThat(declared).hasSize(TrtllmContract.INPUTS.size() + TrtllmContract.OUTPUTS.size());
        assertThat(config).contains("decoupled: true", "\"inflight_fused_batching\"", "key: \"enable_kv_cache_reuse\"\n  value: {\n    string_value: \"true\"",
                "string_value: \"" + TrtllmRepository.ENGINE_DIR + "\"", "name: \"tensorrt_llm\"", "backend: \"tensorrtllm\"");
        assertThat(repository.buildScript()).contains("--max_input_len 1536", "--max_prompt_embedding_table_size " + 64 * (1024 + 32),
                "--use_paged_context_fmha enable");
    }

    private static List<String[]> lines(String... kinds) {
        try (InputStream in = TrtllmContractTest.class.getResourceAsStream("/trtllm/tensorrt_llm-documented.txt")) {
            assertThat(in).as("the documented configuration fixture").isNotNull();
            List<String> wanted = Arrays.asList(kinds);
            return new String(in.readAllBytes(), StandardCharsets.UTF_8).lines().filter(l -> !l.startsWith("#") && !l.isBlank())
                    .map(l -> l.split(" ")).filter(f -> wanted.contains(f[0])).toList();
        } catch (IOException e) {
            throw new AssertionError(e);
        }
    }
}
