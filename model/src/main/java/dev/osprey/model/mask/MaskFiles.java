package dev.osprey.model.mask;

import dev.osprey.model.error.OspreyException;
import dev.osprey.model.error.Reason;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Mask files as the {@code osprey} CLI takes them: a PNG (non-zero inside, see {@link PngMasks}) or
 * a JSON file (see {@link MaskJson}), told apart by content, not by name.
 */
public final class MaskFiles {

    private MaskFiles() {
    }

    /** Reads region {@code region}'s mask file; errors start with "region N: " and name the file. */
    public static BinaryMask read(Path file, int region) {
        return MaskCodec.decode(region, () -> decode(readBytes(file), file.toString()));
    }

    /**
     * Reads the masks of regions 1, 2, ... in order; they must all have one size, which is then
     * the image's size (the CLI's {@code extract} takes it from the masks).
     */
    public static List<BinaryMask> readAll(List<Path> files) {
        List<BinaryMask> masks = new ArrayList<>(files.size());
        for (int i = 0; i < files.size(); i++) {
            BinaryMask mask = read(files.get(i), i + 1);
            if (!masks.isEmpty()) {
                BinaryMask first = masks.getFirst();
                if (mask.height() != first.height() || mask.width() != first.width()) {
                    throw OspreyException.badInput("region " + (i + 1) + ": mask is " + mask.size()
                            + ", region 1's is " + first.size() + " (all masks must have the image's size)");
                }
            }
            masks.add(mask);
        }
        return masks;
    }

    /** Decodes mask file content (PNG or JSON); {@code name} says where it came from in errors. */
    public static BinaryMask decode(byte[] content, String name) {
        if (PngMasks.isPng(content)) {
            return PngMasks.decode(content);
        }
        if (startsLikeJson(content)) {
            return MaskJson.parse(content);
        }
        throw OspreyException.badInput(name + " is neither a PNG nor a JSON mask file");
    }

    private static boolean startsLikeJson(byte[] content) {
        for (byte b : content) {
            if (b == '{') {
                return true;
            }
            if (b != ' ' && b != '\n' && b != '\r' && b != '\t') {
                return false;
            }
        }
        return false;
    }

    private static byte[] readBytes(Path file) {
        try {
            return Files.readAllBytes(file);
        } catch (NoSuchFileException e) {
            throw OspreyException.badInput("mask file " + file + " does not exist");
        } catch (IOException e) {
            throw new OspreyException(Reason.BAD_INPUT, "cannot read mask file " + file + ": " + e.getMessage(), e);
        }
    }
}
