package dev.osprey.model.cli;

import dev.osprey.model.bundle.ModelBundle;
import java.nio.file.Path;
import picocli.CommandLine.Option;

/** The {@code --model BUNDLE} option of every command that runs the model (a picocli mixin). */
final class BundleOption {

    @Option(names = "--model", required = true, paramLabel = "BUNDLE", description = "Model bundle directory.")
    Path model;

    /** Opens the bundle; a folder that is not one gets a message saying how to make it. */
    ModelBundle open() {
        return ModelBundle.open(model);
    }
}
