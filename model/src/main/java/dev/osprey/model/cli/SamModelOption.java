package dev.osprey.model.cli;

import dev.osprey.model.bundle.ModelBundle;
import dev.osprey.model.error.OspreyException;
import dev.osprey.model.error.Reason;
import dev.osprey.model.sam.SamCheckpoint;
import dev.osprey.model.sam.SamGraphs;
import dev.osprey.model.sam.SamModelFiles;
import dev.osprey.model.sam.SamPredictor;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import picocli.CommandLine;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * The SAM model of a command (a picocli mixin): an official checkpoint ({@code --sam}, optionally
 * {@code --sam-config}) or a bundle that holds SAM ({@code --model}).
 */
final class SamModelOption {

    @Spec(Spec.Target.MIXEE)
    CommandSpec mixee;

    @Option(names = "--sam", paramLabel = "CKPT", description = "SAM checkpoint: an official .pth state dict (sam_vit_b/l/h) or .safetensors.")
    Path checkpoint;

    @Option(names = "--sam-config", paramLabel = "sam_config.json",
            description = "The SAM geometry, for checkpoints that are not vit_b/l/h (default: sam_config.json beside the checkpoint, if any).")
    Path config;

    @Option(names = "--model", paramLabel = "BUNDLE", description = "A model bundle converted with --sam, instead of --sam.")
    Path bundle;

    /**
     * Opens the predictor. A checkpoint's graphs are built into a temporary folder, which is deleted
     * once ONNX Runtime has loaded them.
     */
    SamPredictor open(int threads) {
        if ((checkpoint == null) == (bundle == null)) {
            throw new CommandLine.ParameterException(mixee.commandLine(), "give either --sam CKPT or --model BUNDLE");
        }
        if (config != null && checkpoint == null) {
            throw new CommandLine.ParameterException(mixee.commandLine(), "--sam-config goes with --sam, not with --model");
        }
        if (bundle != null) {
            SamModelFiles files = ModelBundle.open(bundle).sam().orElseThrow(() -> OspreyException.badInput("bundle " + bundle
                    + " holds no SAM model; convert it with 'osprey convert ... --sam CKPT'"));
            return SamPredictor.open(files, threads);
        }
        Path dir = null;
        try (SamCheckpoint opened = SamCheckpoint.open(checkpoint, config)) {
            dir = Files.createTempDirectory("osprey-sam");
            return SamPredictor.open(SamGraphs.write(opened, dir), threads);
        } catch (IOException e) {
            throw new OspreyException(Reason.INTERNAL, "cannot create a folder for the SAM graphs: " + e.getMessage(), e);
        } finally {
            if (dir != null) {
                SamGraphs.delete(dir);
            }
        }
    }
}
