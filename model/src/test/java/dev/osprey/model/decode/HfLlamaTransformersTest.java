package dev.osprey.model.decode;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.osprey.model.Golden;
import dev.osprey.model.bundle.HfLlamaExport;
import dev.osprey.model.checkpoint.SafetensorsFile;
import dev.osprey.model.checkpoint.SafetensorsWriter;
import dev.osprey.model.tensor.Tensor;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
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
 * our fp32 decoder's logits on a golden run. Needs python3 with transformers and torch; where they
 * cannot be imported the test is skipped and says so (the byte-level round trip in
 * {@code HfLlamaExportTest} runs everywhere).
 */
class HfLlamaTransformersTest {

    @RegisterExtension
    static final GoldenDecoder.Shared FP32 = new GoldenDecoder.Shared(DecoderPrecision.FP32);

    @TempDir
    Path tmp;

    @Test
    void transformersGivesOurFirstStepLogitsOnAGoldenRun() throws IOException, InterruptedException {
        String missing = missingPython();
        assumeTrue(missing == null, "python3 cannot import transformers and torch here, so no transformers load of the export ran: " + missing);
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
        Process transformers = new ProcessBuilder("python3", script.toString(), model.toString(), inputs.toString(), out.toString())
                .redirectErrorStream(true).redirectOutput(log.toFile()).start();
        assertThat(transformers.waitFor(5, TimeUnit.MINUTES)).as("transformers finished within 5 minutes").isTrue();
        assertThat(transformers.exitValue()).as("hf_llama_logits.py exit status; its output:%n%s", Files.readString(log)).isZero();
        try (SafetensorsFile logits = SafetensorsFile.open(out)) {
            Golden.assertClose(run.label() + " transformers logits", logits.floats("logits"), ours, 1e-3, 1e-4);
        }
    }

    /** Why python3 cannot import transformers and torch, or null when it can. */
    private static String missingPython() throws InterruptedException {
        try {
            Process probe = new ProcessBuilder("python3", "-c", "import transformers, torch").redirectErrorStream(true).start();
            String output = new String(probe.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
            return probe.waitFor() == 0 ? null : output.substring(output.lastIndexOf('\n') + 1);
        } catch (IOException e) {
            return "no python3 (" + e.getMessage() + ")";
        }
    }
}
