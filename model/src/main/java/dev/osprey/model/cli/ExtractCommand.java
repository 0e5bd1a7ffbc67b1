package dev.osprey.model.cli;

import dev.osprey.model.bundle.ModelBundle;
import dev.osprey.model.checkpoint.SafetensorsFile;
import dev.osprey.model.checkpoint.SafetensorsWriter;
import dev.osprey.model.mask.BinaryMask;
import dev.osprey.model.mask.MaskFiles;
import dev.osprey.model.region.FeatureMaps;
import dev.osprey.model.region.MaskExtractor;
import dev.osprey.model.region.MaskExtractorWeights;
import dev.osprey.model.region.RegionTokens;
import dev.osprey.model.tensor.Tensor;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code osprey extract}: turns masks into region tokens using an image's feature maps. */
@Command(name = "extract", mixinStandardHelpOptions = true,
        description = "Extract region tokens (mask_tokens, pos_tokens) for masks, in mask order.")
final class ExtractCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Mixin
    BundleOption bundle;

    @Option(names = "--features", required = true, paramLabel = "FEATURES.safetensors", description = "Output of 'osprey encode'.")
    Path features;

    @Option(names = "--mask", required = true, paramLabel = "M",
            description = "A mask: PNG (non-zero inside) or JSON with COCO RLE, polygons or a bbox. Repeat for several regions.")
    List<Path> masks;

    @Option(names = "--out", required = true, paramLabel = "REGIONS.safetensors", description = "Output file.")
    Path out;

    @Override
    public Integer call() {
        ModelBundle opened = bundle.open();
        List<BinaryMask> regions = MaskFiles.readAll(masks);
        RegionTokens tokens;
        try (SafetensorsFile weights = SafetensorsFile.open(opened.extractorWeights());
                SafetensorsFile featureFile = SafetensorsFile.open(features)) {
            tokens = new MaskExtractor(MaskExtractorWeights.load(weights)).extract(FeatureMaps.read(featureFile), regions);
        }
        long[] shape = {tokens.regions(), tokens.width()};
        SafetensorsWriter.writeTensors(out, List.of(Tensor.ofFloats("mask_tokens", shape, tokens.maskTokens()),
                Tensor.ofFloats("pos_tokens", shape, tokens.posTokens())), Map.of());
        spec.commandLine().getOut().printf("extracted %d region(s) to %s%n", tokens.regions(), out);
        return 0;
    }
}
