package dev.osprey.model.cli;

import dev.osprey.model.bundle.BundleConverter;
import dev.osprey.model.bundle.BundleManifest;
import dev.osprey.model.bundle.HfLlamaExport;
import dev.osprey.model.checkpoint.HfCheckpoint;
import dev.osprey.model.decode.DecoderPrecision;
import dev.osprey.model.decode.KvPrecision;
import dev.osprey.model.pipeline.KvCalibration;
import dev.osprey.model.trtllm.TrtllmContract;
import dev.osprey.model.trtllm.TrtllmRepository;
import dev.osprey.model.vision.VisionPrecision;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code osprey convert}: turns a Hugging Face Osprey checkpoint into a model bundle. */
@Command(name = "convert", mixinStandardHelpOptions = true,
        description = "Convert an Osprey checkpoint into a model bundle (ONNX graphs, weights, tokenizer, Triton repository).")
final class ConvertCommand implements Callable<Integer> {

    private static final String TRITON_TRTLLM = "triton-trtllm";

    @Spec
    CommandSpec spec;

    @Option(names = "--checkpoint", required = true, paramLabel = "DIR", description = "Checkpoint directory (config.json, weights, tokenizer).")
    Path checkpoint;

    @Option(names = "--out", required = true, paramLabel = "BUNDLE", description = "Bundle directory to write.")
    Path out;

    @Option(names = "--precision", defaultValue = "fp32", paramLabel = "fp32|fp16|int8|int4",
            description = "Decoder weight precision (default: ${DEFAULT-VALUE}).")
    DecoderPrecision precision;

    @Option(names = "--kv-cache", paramLabel = "fp32|int8",
            description = "The decoder's KV cache: int8 (a quarter of the memory and attention reads, fixed per-channel scales "
                    + "calibrated on one question through the bundle's own parts) or fp32 (exact). Default: int8 for int8 and "
                    + "int4 weights, fp32 otherwise.")
    KvPrecision kvCache;

    @Option(names = "--prefill-weights", defaultValue = "none", paramLabel = "none|int8",
            description = "A second decoder graph for prompt runs of 8 or more positions, with int8 weights and activations: "
                    + "about 1.7x the prefill speed of int4 at 7B, for about 6.6 GB more memory (default: ${DEFAULT-VALUE}).")
    PrefillWeights prefillWeights;

    @Option(names = "--vision-precision", defaultValue = "fp32", paramLabel = "fp32|int8",
            description = "The vision graph's block MLPs and projector: fp32 (the parity path) or int8 (int8 weights per channel and "
                    + "activations per pixel; features within a gate of fp32, see BENCHMARKS.md). Default: ${DEFAULT-VALUE}.")
    VisionPrecision visionPrecision;

    @Option(names = "--target", defaultValue = "bundle", paramLabel = "bundle|triton-trtllm",
            description = "bundle: the model bundle alone. triton-trtllm: the bundle and, in BUNDLE/trtllm, what a TensorRT-LLM engine on "
                    + "Triton needs: hf/ (the language model as a Hugging Face Llama checkpoint), triton/ (the tensorrt_llm model "
                    + "repository) and build-engine.sh (run on the target GPU). Default: ${DEFAULT-VALUE}.")
    String target;

    @Option(names = "--sam", paramLabel = "CKPT",
            description = "Also put Segment Anything into the bundle from this checkpoint (official sam_vit_b/l/h .pth state dict, or"
                    + " .safetensors): its image encoder and prompt decoder graphs, and the encoder in the Triton repository.")
    Path sam;

    @Option(names = "--sam-config", paramLabel = "sam_config.json",
            description = "The SAM geometry for checkpoints that are not vit_b/l/h (default: sam_config.json beside the checkpoint, if any).")
    Path samConfig;

    @Option(names = "--threads", defaultValue = "0", paramLabel = "N",
            description = "Threads for the KV calibration run (default: one per core).")
    int threads;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        if (!target.equals("bundle") && !target.equals(TRITON_TRTLLM)) {
            throw new picocli.CommandLine.ParameterException(spec.commandLine(), "--target must be bundle or " + TRITON_TRTLLM + ", got "
                    + target);
        }
        long start = System.nanoTime();
        KvPrecision kv = kvCache != null ? kvCache : precision.quantized() ? KvPrecision.INT8 : KvPrecision.FP32;
        if (kv == KvPrecision.FP16) {
            throw new picocli.CommandLine.ParameterException(spec.commandLine(),
                    "--kv-cache fp16 is not offered: ONNX Runtime's CPU attention runs slower on float16 than on float32");
        }
        if (samConfig != null && sam == null) {
            throw new picocli.CommandLine.ParameterException(spec.commandLine(), "--sam-config goes with --sam CKPT");
        }
        BundleConverter converter = new BundleConverter(out::println).withVisionPrecision(visionPrecision);
        if (sam != null) {
            converter = converter.withSam(sam, samConfig);
        }
        if (prefillWeights == PrefillWeights.INT8) {
            converter = converter.withPrefillGraph(DecoderPrecision.INT8_DYNAMIC);
        }
        BundleManifest manifest = kv == KvPrecision.INT8
                ? converter.convert(checkpoint, this.out, precision, "int8 KV cache calibration",
                        bundle -> KvCalibration.apply(bundle, threads))
                : converter.convert(checkpoint, this.out, precision);
        out.printf("wrote %s bundle (KV cache %s%s) to %s in %.1f s (LLM %d layers x %d, vision dims %s, %s)%n", manifest.precision(),
                kv.label(), prefillWeights == PrefillWeights.INT8 ? ", int8 prefill graph" : "", this.out, (System.nanoTime() - start) / 1e9,
                manifest.llm().layers(), manifest.llm().hidden(), manifest.vision().dims(), manifest.vision().precision());
        if (manifest.sam() != null) {
            out.printf("with Segment Anything (%s) in %s/%n", manifest.sam().variant(), manifest.sam().dir());
        }
        if (target.equals(TRITON_TRTLLM)) {
            writeTrtllm(manifest, out);
        }
        return 0;
    }

    // The engine itself is built on the target GPU by build-engine.sh; here go its inputs and the model repository.
    private void writeTrtllm(BundleManifest manifest, PrintWriter out) {
        Path dir = this.out.resolve("trtllm");
        try (HfCheckpoint source = HfCheckpoint.open(checkpoint)) {
            HfLlamaExport.DEFAULT.write(source, dir.resolve("hf"));
        }
        TrtllmRepository repository = TrtllmRepository.forImageTokens(manifest.image().tokens());
        repository.write(dir);
        out.printf("wrote the TensorRT-LLM inputs to %s: hf/ (Llama checkpoint), triton/%s (max batch %d, input %d + output %d positions,"
                + " prompt tables of %d rows), build-engine.sh%n", dir, TrtllmContract.MODEL_NAME, repository.maxBatchSize(),
                repository.maxInputLength(), repository.maxOutputLength(), repository.tableRows());
    }

    /** Weights of the optional prefill graph. */
    enum PrefillWeights { NONE, INT8 }
}
