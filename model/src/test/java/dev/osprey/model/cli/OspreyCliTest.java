package dev.osprey.model.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.osprey.model.Golden;
import dev.osprey.model.bundle.HfLlamaExport;
import dev.osprey.model.bundle.ModelBundle;
import dev.osprey.model.decode.DecoderGraphBuilder;
import dev.osprey.model.decode.Int8KvGraph;
import dev.osprey.model.trtllm.TrtllmContract;
import dev.osprey.model.trtllm.TrtllmRepository;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class OspreyCliTest {

    private final StringWriter out = new StringWriter();
    private final StringWriter err = new StringWriter();

    private int run(String... args) {
        return OspreyCli.execute(args, new PrintWriter(out, true), new PrintWriter(err, true));
    }

    @Test
    void helpListsEverySubcommand() {
        assertThat(run("--help")).isZero();
        assertThat(out.toString()).contains("tiny", "convert", "encode", "extract", "generate");
    }

    @Test
    void unknownFlagIsAOneLineUsageError() {
        assertThat(run("convert", "--checkpoint", "c", "--out", "b", "--colour", "red")).isEqualTo(2);
        assertThat(err.toString().strip()).contains("--colour").doesNotContain("\n");
    }

    @Test
    void invalidPrecisionNamesTheAllowedValues() {
        assertThat(run("convert", "--checkpoint", "c", "--out", "b", "--precision", "int3")).isEqualTo(2);
        assertThat(err.toString()).contains("int3").containsIgnoringCase("int4");
    }

    @Test
    void convertWritesAPrefillGraphOnRequestAndTheManifestNamesIt(@TempDir Path dir) {
        Path bundle = dir.resolve("bundle");
        assertThat(run("convert", "--checkpoint", Golden.binCheckpoint().toString(), "--out", bundle.toString(), "--precision", "int4",
                "--prefill-weights", "int8", "--threads", "1")).as(err.toString()).isZero();
        assertThat(out.toString()).contains("wrote int4 bundle (KV cache int8, int8 prefill graph)");
        ModelBundle opened = ModelBundle.open(bundle);
        assertThat(opened.manifest().files().prefillDecoder()).isEqualTo(DecoderGraphBuilder.PREFILL_MODEL_FILE);
        assertThat(Int8KvGraph.scalesOf(opened.prefillDecoderModel())).isEqualTo(Int8KvGraph.scalesOf(opened.decoderModel())).isNotNull();
    }

    @Test
    void convertWritesAnInt8VisionGraphOnRequestAndTheManifestSaysSo(@TempDir Path dir) {
        Path bundle = dir.resolve("bundle");
        assertThat(run("convert", "--checkpoint", Golden.binCheckpoint().toString(), "--out", bundle.toString(), "--vision-precision", "int8"))
                .as(err.toString()).isZero();
        assertThat(out.toString()).contains("vision model (int8)").contains("vision dims [8, 16, 32, 64], int8)");
        assertThat(ModelBundle.open(bundle).manifest().vision().precision()).isEqualTo("int8");
    }

    @Test
    void convertForTritonTrtllmWritesTheLlamaCheckpointTheModelRepositoryAndTheEngineBuild(@TempDir Path dir) throws Exception {
        Path bundle = dir.resolve("bundle");
        assertThat(run("convert", "--checkpoint", Golden.safetensorsCheckpoint().toString(), "--out", bundle.toString(), "--target",
                "triton-trtllm")).as(err.toString()).isZero();
        Path trtllm = bundle.resolve("trtllm");
        assertThat(trtllm.resolve("hf/config.json")).exists();
        assertThat(trtllm.resolve("hf/" + HfLlamaExport.WEIGHTS_FILE)).exists();
        assertThat(trtllm.resolve("triton/" + TrtllmContract.MODEL_NAME + "/1")).isDirectory();
        int imageTokens = ModelBundle.open(bundle).manifest().image().tokens();
        assertThat(Files.readString(trtllm.resolve("triton/" + TrtllmContract.MODEL_NAME + "/config.pbtxt")))
                .isEqualTo(TrtllmRepository.forImageTokens(imageTokens).config());
        assertThat(Files.readString(trtllm.resolve("build-engine.sh"))).contains("trtllm-build", "--max_input_len " + (imageTokens + 512));
        assertThat(out.toString()).contains("wrote the TensorRT-LLM inputs to " + trtllm);
    }

    @Test
    void unknownTargetNamesTheAllowedValues() {
        assertThat(run("convert", "--checkpoint", "c", "--out", "b", "--target", "vllm")).isEqualTo(2);
        assertThat(err.toString()).contains("vllm").contains("bundle").contains("triton-trtllm");
    }

    @Test
    void invalidVisionPrecisionNamesTheAllowedValues() {
        assertThat(run("convert", "--checkpoint", "c", "--out", "b", "--vision-precision", "int4")).isEqualTo(2);
        assertThat(err.toString()).contains("int4").containsIgnoringCase("fp32").containsIgnoringCase("int8");
    }

    @Test
    void invalidPrefillWeightsNameTheAllowedValues() {
        assertThat(run("convert", "--checkpoint", "c", "--out", "b", "--prefill-weights", "int4")).isEqualTo(2);
        assertThat(err.toString()).contains("int4").containsIgnoringCase("none").containsIgnoringCase("int8");
    }

    @Test
    void generateNeedsExactlyOneOfTaskAndPrompt() {
        assertThat(run("generate", "--model", "m", "--image", "i.png")).isEqualTo(2);
        assertThat(err.toString()).contains("--task").contains("--prompt");

        err.getBuffer().setLength(0);
        assertThat(run("generate", "--model", "m", "--image", "i.png", "--task", "short", "--prompt", "what is <region1>?"))
                .isEqualTo(2);
        assertThat(err.toString()).contains("mutually exclusive");
    }

    @Test
    void greedyAndTemperatureExcludeEachOther() {
        assertThat(run("generate", "--model", "m", "--image", "i.png", "--task", "short", "--greedy", "--temperature", "0.7"))
                .isEqualTo(2);
        assertThat(err.toString()).contains("mutually exclusive");
    }

    @Test
    void tinyAcceptsItsThreeShapesOnly() {
        assertThat(run("tiny", "--out", "x", "--shape", "13b")).isEqualTo(2);
        assertThat(err.toString()).contains("expected tiny, 7b or 7b-vision");
    }

    @Test
    void wellFormedGenerateWithoutItsFilesIsAOneLineRunError() {
        int code = run("generate", "--model", "m", "--image", "i.png", "--mask", "a.png", "--mask", "b.json",
                "--prompt", "how does <region1> relate to <region2>?", "--temperature", "0.7", "--top-k", "40",
                "--seed", "3", "--json");
        assertThat(code).isEqualTo(1);
        assertThat(err.toString().strip()).startsWith("osprey generate: ").doesNotContain("\n");
    }
}
