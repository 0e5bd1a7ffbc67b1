package dev.osprey.model.cli;

import dev.osprey.model.bundle.BundleConverter;
import dev.osprey.model.bundle.BundleManifest;
import dev.osprey.model.decode.DecoderPrecision;
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

    @Spec
    CommandSpec spec;

    @Option(names = "--checkpoint", required = true, paramLabel = "DIR", description = "Checkpoint directory (config.json, weights, tokenizer).")
    Path checkpoint;

    @Option(names = "--out", required = true, paramLabel = "BUNDLE", description = "Bundle directory to write.")
    Path out;

    @Option(names = "--precision", defaultValue = "fp32", paramLabel = "fp32|fp16|int8|int4",
            description = "Decoder weight precision (default: ${DEFAULT-VALUE}).")
    DecoderPrecision precision;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        long start = System.nanoTime();
        BundleManifest manifest = new BundleConverter(out::println).convert(checkpoint, this.out, precision);
        out.printf("wrote %s bundle to %s in %.1f s (LLM %d layers x %d, vision dims %s)%n", manifest.precision(), this.out,
                (System.nanoTime() - start) / 1e9, manifest.llm().layers(), manifest.llm().hidden(), manifest.vision().dims());
        return 0;
    }
}
