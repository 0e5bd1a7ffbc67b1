package dev.osprey.model.cli;

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

    /** Precision of the decoder's weight matrices. */
    enum Precision { FP32, FP16, INT8, INT4 }

    @Spec
    CommandSpec spec;

    @Option(names = "--checkpoint", required = true, paramLabel = "DIR", description = "Checkpoint directory (config.json, weights, tokenizer).")
    Path checkpoint;

    @Option(names = "--out", required = true, paramLabel = "BUNDLE", description = "Bundle directory to write.")
    Path out;

    @Option(names = "--precision", defaultValue = "fp32", paramLabel = "fp32|fp16|int8|int4",
            description = "Decoder weight precision (default: ${DEFAULT-VALUE}).")
    Precision precision;

    @Override
    public Integer call() {
        return OspreyCli.notImplemented(spec, "issue #3");
    }
}
