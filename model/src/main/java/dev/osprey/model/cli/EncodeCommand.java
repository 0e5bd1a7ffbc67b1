package dev.osprey.model.cli;

import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code osprey encode}: preprocesses an image and runs the vision tower. */
@Command(name = "encode", mixinStandardHelpOptions = true,
        description = "Encode an image: pixel_values, res2..res5 and image_embeds as float32 safetensors.")
final class EncodeCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Option(names = "--model", required = true, paramLabel = "BUNDLE", description = "Model bundle directory.")
    Path model;

    @Option(names = "--image", required = true, paramLabel = "IMG", description = "JPEG or PNG image.")
    Path image;

    @Option(names = "--out", required = true, paramLabel = "FEATURES.safetensors", description = "Output file.")
    Path out;

    @Override
    public Integer call() {
        return OspreyCli.notImplemented(spec, "issue #4");
    }
}
