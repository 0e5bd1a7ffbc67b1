package dev.osprey.model.cli;

import dev.osprey.model.checkpoint.SafetensorsWriter;
import dev.osprey.model.image.ImageDecoder;
import dev.osprey.model.pipeline.ImageEncoder;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code osprey encode}: preprocesses an image and runs the vision tower. */
@Command(name = "encode", mixinStandardHelpOptions = true,
        description = "Encode an image: pixel_values, res2..res5 and image_embeds as float32 safetensors.")
final class EncodeCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Mixin
    BundleOption bundle;

    @Option(names = "--image", required = true, paramLabel = "IMG", description = "JPEG or PNG image.")
    Path image;

    @Option(names = "--out", required = true, paramLabel = "FEATURES.safetensors", description = "Output file.")
    Path out;

    @Override
    public Integer call() {
        byte[] bytes = CliFiles.read(image, "image");
        try (ImageEncoder encoder = new ImageEncoder(bundle.open(), new ImageDecoder(), 0)) {
            ImageEncoder.Encoded encoded = encoder.encode(encoder.decode(bytes));
            SafetensorsWriter.writeTensors(out, encoded.tensors(), Map.of("image", image.getFileName().toString(),
                    "width", Integer.toString(encoded.width()), "height", Integer.toString(encoded.height())));
            spec.commandLine().getOut().printf("encoded %s (%dx%d) to %s%n", image, encoded.width(), encoded.height(), out);
        }
        return 0;
    }
}
