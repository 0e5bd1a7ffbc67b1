package dev.osprey.model.cli;

import dev.osprey.model.checkpoint.CheckpointGeometry;
import dev.osprey.model.checkpoint.RandomCheckpoint;
import dev.osprey.model.sam.RandomSamCheckpoint;
import dev.osprey.model.sam.SamConfig;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code osprey tiny}: writes a random Osprey checkpoint in the Hugging Face layout, and/or a random SAM checkpoint. */
@Command(name = "tiny", mixinStandardHelpOptions = true,
        description = "Write a random Osprey checkpoint (--out) and/or a random SAM checkpoint (--sam) with the real key names and geometry.")
final class TinyCommand implements Callable<Integer> {

    /** Widths of the checkpoint to write. */
    enum Shape {
        TINY("tiny"), OSPREY_7B("7b"), OSPREY_7B_VISION("7b-vision");

        private final String label;

        Shape(String label) {
            this.label = label;
        }

        @Override
        public String toString() {
            return label;
        }
    }

    @Spec
    CommandSpec spec;

    @Option(names = "--out", paramLabel = "DIR", description = "Directory to write the Osprey checkpoint into.")
    Path out;

    @Option(names = "--sam", paramLabel = "OUT.pth",
            description = "Write a random SAM checkpoint here: the official state-dict layout, 1024 input, 64x64 grid, 256x256 masks;"
                    + " sam_config.json beside it.")
    Path sam;

    @Option(names = "--sam-size", defaultValue = "tiny", paramLabel = "tiny|vit_b|vit_l|vit_h",
            description = "Widths of the SAM checkpoint: the golden set's tiny ones, or an official variant's for benchmarks"
                    + " (default: ${DEFAULT-VALUE}).")
    String samSize;

    @Option(names = "--seed", defaultValue = "0", paramLabel = "N", description = "Random seed (default: ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--shape", defaultValue = "tiny", paramLabel = "tiny|7b|7b-vision", converter = ShapeConverter.class,
            description = "tiny widths for tests, the real Osprey-7B shapes for benchmarks, or 7b-vision: those shapes with one "
                    + "decoder layer, for vision benchmarks (default: ${DEFAULT-VALUE}).")
    Shape shape;

    @Override
    public Integer call() {
        if (out == null && sam == null) {
            throw new picocli.CommandLine.ParameterException(spec.commandLine(), "give --out DIR (Osprey), --sam OUT.pth (SAM), or both");
        }
        RandomSamCheckpoint.Size size = samSize(samSize);
        if (out != null) {
            writeOsprey();
        }
        if (sam != null) {
            SamConfig config = new RandomSamCheckpoint(size, seed).write(sam);
            spec.commandLine().getOut().println("wrote a random " + samSize + " SAM checkpoint (seed " + seed + ", ViT " + config.encoderDim()
                    + " x " + config.encoderDepth() + ", prompt width " + config.channels() + ") to " + sam);
        }
        return 0;
    }

    private RandomSamCheckpoint.Size samSize(String value) {
        return switch (value) {
            case "tiny" -> RandomSamCheckpoint.Size.TINY;
            case "vit_b" -> RandomSamCheckpoint.Size.VIT_B;
            case "vit_l" -> RandomSamCheckpoint.Size.VIT_L;
            case "vit_h" -> RandomSamCheckpoint.Size.VIT_H;
            default -> throw new picocli.CommandLine.ParameterException(spec.commandLine(),
                    "--sam-size must be tiny, vit_b, vit_l or vit_h, got '" + value + "'");
        };
    }

    private void writeOsprey() {
        CheckpointGeometry geometry = switch (shape) {
            case TINY -> CheckpointGeometry.TINY;
            case OSPREY_7B -> CheckpointGeometry.OSPREY_7B;
            case OSPREY_7B_VISION -> CheckpointGeometry.OSPREY_7B_VISION;
        };
        new RandomCheckpoint(geometry, seed).write(out);
        spec.commandLine().getOut().println("wrote a random " + shape + " Osprey checkpoint (seed " + seed + ") to " + out);
    }

    static final class ShapeConverter implements picocli.CommandLine.ITypeConverter<Shape> {
        @Override
        public Shape convert(String value) {
            return switch (value) {
                case "tiny" -> Shape.TINY;
                case "7b" -> Shape.OSPREY_7B;
                case "7b-vision" -> Shape.OSPREY_7B_VISION;
                default -> throw new picocli.CommandLine.TypeConversionException("expected tiny, 7b or 7b-vision, got '" + value + "'");
            };
        }
    }
}
