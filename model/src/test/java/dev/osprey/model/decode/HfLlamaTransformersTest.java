package dev.osprey.model.decode;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.osprey.model.Golden;
import dev.osprey.model.bundle.HfLlamaExport;
import dev.osprey.model.checkpoint.SafetensorsFile;
import dev.osprey.model.checkpoint.SafetensorsWriter;
import dev.osprey.model.tensor.Tensor;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * transformers' own {@code LlamaForCausalLM} loads the Llama export of the golden checkpoint and gives
 * our fp32 decoder's logits on a golden run. The test installs transformers and torch into a virtual
 * environment of its own ({@code python/install.sh}); it is skipped, saying why, only on a machine that
 * cannot have them (the byte-level round trip in {@code HfLlamaExportTest} runs everywhere).
 */
class HfLlamaTransformersTest {

    /** install.sh's exit code when this machine cannot have the packages at all. */
    private static final int CANNOT_INSTALL = 3;

    @RegisterExtension
    static final GoldenDecoder.Shared FP32 = new GoldenDecoder.Shared(DecoderPrecision.FP32);

    @TempDir
    Path tmp;

    @Test
    void transformersGivesOurFirstStepLogitsOnAGoldenRun() throws Exception {
        Path python = transformersPython();
        Path model = tmp.resolve("hf");
        HfLlamaExport.DEFAULT.write(FP32.get().weights, FP32.get().config, Golden.safetensorsCheckpoint(), model);
        GoldenRuns.Run run = GoldenRuns.all().getFirst();
        InterleavedSequence sequence = run.assemble(FP32.get().table, GoldenRuns.tensors(run.caseName()));
        float[] ours = FP32.get().firstStepLogits(sequence);

        Path inputs = tmp.resolve("inputs.safetensors");
        SafetensorsWriter.writeTensors(inputs, List.of(Tensor.ofFloats("inputs_embeds",
                new long[] {sequence.length(), FP32.get().config.hidden()}, sequence.embeds())), Map.of());
        Path script = tmp.resolve("hf_llama_logits.py");
        try (InputStream in = getClass().getResourceAsStream("/python/hf_llama_logits.py")) {
            Files.copy(in, script, StandardCopyOption.REPLACE_EXISTING);
        }
        Path out = tmp.resolve("logits.safetensors");
        Path log = tmp.resolve("python.log");
        Process transformers = new ProcessBuilder(python.toString(), script.toString(), model.toString(), inputs.toString(), out.toString())
                .redirectErrorStream(true).redirectOutput(log.toFile()).start();
        assertThat(transformers.waitFor(5, TimeUnit.MINUTES)).as("transformers finished within 5 minutes").isTrue();
        assertThat(transformers.exitValue()).as("hf_llama_logits.py exit status; its output:%n%s", Files.readString(log)).isZero();
        try (SafetensorsFile logits = SafetensorsFile.open(out)) {
            Golden.assertClose(run.label() + " transformers logits", logits.floats("logits"), ours, 1e-3, 1e-4);
        }
    }

    /**
     * The python of a virtual environment with transformers and torch, made by {@code python/install.sh}
     * on first use; the test is skipped, with the script's reason, only where the machine cannot have them.
     */
    private Path transformersPython() throws Exception {
        Path install = Path.of(getClass().getResource("/python/install.sh").toURI());
        Path log = tmp.resolve("install.log");
        Process process = new ProcessBuilder("bash", install.toString()).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        assertThat(process.waitFor(15, TimeUnit.MINUTES)).as("python/install.sh finished within 15 minutes").isTrue();
        List<String> lines = Files.readAllLines(log);
        String last = lines.isEmpty() ? "(no output)" : lines.getLast();
        assumeTrue(process.exitValue() != CANNOT_INSTALL, last);
        assertThat(process.exitValue()).as("python/install.sh exit status; its output:%n%s", String.join("\n", lines)).isZero();
        return Path.of(last);
    }
}
