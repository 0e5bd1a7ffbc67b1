package dev.osprey.model.cli;

import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code osprey extract}: turns masks into region tokens using an image's feature maps. */
@Command(name = "extract", mixinStandardHelpOptions = true,
        description = "Extract region tokens (mask_tokens, pos_tokens) for masks, in mask order.")
final class ExtractCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Option(names = "--model", required = true, paramLabel = "BUNDLE", description = "Model bundle directory.")
    Path model;

    @Option(names = "--features", required = true, paramLabel = "FEATURES.safetensors", description = "Output of 'osprey encode'.")
    Path features;

    @Option(names = "--mask", required = true, paramLabel = "M",
            description = "A mask: PNG (non-zero inside) or JSON with COCO RLE, polygons or a bbox. Repeat for several regions.")
    List<Path> masks;

    @Option(names = "--out", required = true, paramLabel = "REGIONS.safetensors", description = "Output file.")
    Path out;

    @Override
    public Integer call() {
        return OspreyCli.notImplemented(spec, "issue #4");
    }
}
