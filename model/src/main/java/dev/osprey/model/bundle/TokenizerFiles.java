package dev.osprey.model.bundle;

import dev.osprey.model.checkpoint.HfCheckpoint;
import dev.osprey.model.error.OspreyException;
import dev.osprey.model.error.Reason;
import dev.osprey.model.text.OspreyTokenizer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;

/** Copies a checkpoint's tokenizer files into an output folder; both bundles and exports need {@code tokenizer.json}. */
final class TokenizerFiles {

    private TokenizerFiles() {
    }

    /** Copies the tokenizer files of {@code source} into {@code dir}; fails when {@code source} has no {@code tokenizer.json}. */
    static void copy(Path source, Path dir) {
        List<Path> files = HfCheckpoint.tokenizerFiles(source);
        if (files.stream().noneMatch(f -> f.getFileName().toString().equals(OspreyTokenizer.FILE_NAME))) {
            throw OspreyException.badCheckpoint(source + " has no tokenizer.json (needed to tokenise prompts)");
        }
        try {
            Files.createDirectories(dir);
            for (Path file : files) {
                Files.copy(file, dir.resolve(file.getFileName()), StandardCopyOption.REPLACE_EXISTING);
            }
        } catch (IOException e) {
            throw new OspreyException(Reason.INTERNAL, "cannot copy tokenizer files: " + e.getMessage(), e);
        }
    }
}
