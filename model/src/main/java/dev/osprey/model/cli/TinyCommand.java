package dev.osprey.model.cli;

import dev.osprey.model.checkpoint.CheckpointGeometry;
import dev.osprey.model.checkpoint.RandomCheckpoint;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code osprey tiny}: writes a random Osprey checkpoint in the Hugging Face layout. */
@Command(name = "tiny", mixinStandardHelpOptions = true,
        description = "Write a random Osprey checkpoint with the real key names and geometry.")
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

    @Option(names = "--out", required = true, paramLabel = "DIR", description = "Directory to write the checkpoint into.")
    Path out;

    @Option(names = "--seed", defaultValue = "0", paramLabel = "N", description = "Random seed (default: ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--shape", defaultValue = "tiny", paramLabel = "tiny|7b|7b-vision", converter = ShapeConverter.class,
            description = "tiny widths for tests, the real Osprey-7B shapes for benchmarks, or 7b-vision: those shapes with one "
                    + "decoder layer, for vision benchmarks (default: ${DEFAULT-VALUE}).")
    Shape shape;

    @Override
    public Integer call() {
        CheckpointGeometry geometry = switch (shape) {
            case TINY -> CheckpointGeometry.TINY;
            case OSPREY_7B -> CheckpointGeometry.OSPREY_7B;
            case OSPREY_7B_VISION -> CheckpointGeometry.OSPREY_7B_VISION;
        };
        new RandomCheckpoint(geometry, seed).write(out);
        spec.commandLine().getOut().println("wrote a random " + shape + " Osprey checkpoint (seed " + seed + ") to " + out);
        return 0;
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
