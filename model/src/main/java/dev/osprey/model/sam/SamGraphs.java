package dev.osprey.model.sam;

import dev.osprey.model.error.OspreyException;
import dev.osprey.model.error.Reason;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;

/** Writes a SAM checkpoint's two ONNX graphs and its {@value SamConfig#FILE_NAME} into a folder. */
public final class SamGraphs {

    private SamGraphs() {
    }

    /**
     * Writes the image encoder, the prompt decoder and the geometry into {@code dir} (created if
     * needed; existing files are replaced) and returns where they are.
     */
    public static SamModelFiles write(SamCheckpoint checkpoint, Path dir) {
        try {
            Files.createDirectories(dir);
            Path config = dir.resolve(SamConfig.FILE_NAME);
            Files.writeString(config, checkpoint.config().toJson());
        } catch (IOException e) {
            throw new OspreyException(Reason.INTERNAL, "cannot write SAM graphs into " + dir + ": " + e.getMessage(), e);
        }
        Path encoder = SamEncoderGraphBuilder.write(checkpoint.weights(), checkpoint.config(), dir);
        Path decoder = SamDecoderGraphBuilder.write(checkpoint.weights(), checkpoint.config(), dir);
        return new SamModelFiles(encoder, decoder, checkpoint.config());
    }

    /** Deletes what {@link #write} wrote into {@code dir}, and {@code dir} itself when that leaves it empty. */
    public static void delete(Path dir) {
        try {
            for (String file : new String[] {SamEncoderGraphBuilder.MODEL_FILE, SamEncoderGraphBuilder.DATA_FILE, SamDecoderGraphBuilder.MODEL_FILE,
                SamDecoderGraphBuilder.DATA_FILE, SamConfig.FILE_NAME}) {
                Files.deleteIfExists(dir.resolve(file));
            }
            try (Stream<Path> left = Files.list(dir)) {
                if (left.findAny().isEmpty()) {
                    Files.delete(dir);
                }
            }
        } catch (IOException e) {
            throw new OspreyException(Reason.INTERNAL, "cannot delete the SAM graphs in " + dir + ": " + e.getMessage(), e);
        }
    }

    /** The files {@link #write} wrote into {@code dir}, checked to exist. */
    public static SamModelFiles read(Path dir) {
        Path encoder = dir.resolve(SamEncoderGraphBuilder.MODEL_FILE);
        Path decoder = dir.resolve(SamDecoderGraphBuilder.MODEL_FILE);
        for (Path file : new Path[] {encoder, decoder, dir.resolve(SamConfig.FILE_NAME)}) {
            if (!Files.isRegularFile(file)) {
                throw new OspreyException(Reason.BAD_BUNDLE, "the SAM part " + dir + " is incomplete: " + file.getFileName()
                        + " is missing; convert with --sam again");
            }
        }
        return new SamModelFiles(encoder, decoder, SamConfig.read(dir.resolve(SamConfig.FILE_NAME)));
    }
}
