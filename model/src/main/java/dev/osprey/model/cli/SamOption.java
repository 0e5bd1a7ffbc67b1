package dev.osprey.model.cli;

import dev.osprey.model.bundle.ModelBundle;
import dev.osprey.model.error.OspreyException;
import dev.osprey.model.error.Reason;
import dev.osprey.model.sam.SamCheckpoint;
import dev.osprey.model.sam.SamGraphs;
import dev.osprey.model.sam.SamPredictor;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.stream.Stream;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Option;

/**
 * Where the SAM commands get Segment Anything (a picocli mixin): an official checkpoint
 * ({@code --sam}, with {@code --sam-config} for geometries its shapes do not tell) or a bundle
 * converted with one ({@code --model}).
 */
final class SamOption {

    /** Exactly one source. */
    static final class Source {
        @Option(names = "--sam", required = true, paramLabel = "CKPT.pth",
                description = "Official SAM checkpoint: a .pth state dict (sam_vit_b/l/h) or .safetensors with its keys.")
        Path checkpoint;

        @Option(names = "--model", required = true, paramLabel = "BUNDLE", description = "Model bundle with a SAM part (osprey convert --sam).")
        Path bundle;
    }

    @ArgGroup(exclusive = true, multiplicity = "1")
    Source source;

    @Option(names = "--sam-config", paramLabel = "sam_config.json",
            description = "Geometry of a --sam checkpoint that its shapes do not tell (default: sam_config.json beside it, else inferred).")
    Path config;

    /**
     * The predictor: from the bundle's graphs, or from graphs built from the checkpoint into a
     * temporary folder that is gone when this returns (the sessions hold the graphs in memory).
     */
    SamPredictor open(int threads) {
        if (source.bundle != null) {
            if (config != null) {
                throw OspreyException.badInput("--sam-config goes with --sam; a bundle's SAM part has its geometry");
            }
            return SamPredictor.open(ModelBundle.open(source.bundle).sam().orElseThrow(() -> new OspreyException(Reason.BAD_BUNDLE,
                    "bundle " + source.bundle + " has no SAM part; convert it with --sam CKPT, or give the checkpoint with --sam")), threads);
        }
        try (SamCheckpoint checkpoint = SamCheckpoint.open(source.checkpoint, config)) {
            Path dir = Files.createTempDirectory("osprey-sam");
            try {
                return SamPredictor.open(SamGraphs.write(checkpoint, dir), threads);
            } finally {
                deleteTree(dir);
            }
        } catch (IOException e) {
            throw new OspreyException(Reason.INTERNAL, "cannot make a temporary folder for the SAM graphs: " + e.getMessage(), e);
        }
    }

    private static void deleteTree(Path root) throws IOException {
        try (Stream<Path> paths = Files.walk(root)) {
            paths.sorted(Comparator.reverseOrder()).forEach(p -> {
                try {
                    Files.delete(p);
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            });
        }
    }
}
