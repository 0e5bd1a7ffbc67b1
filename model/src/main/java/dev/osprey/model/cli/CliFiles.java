package dev.osprey.model.cli;

import dev.osprey.model.error.OspreyException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;

/** Reading the user's input files with errors that name the file and its role. */
final class CliFiles {

    private CliFiles() {
    }

    /** The file's bytes; a missing or unreadable file is a one-line BAD_INPUT error. */
    static byte[] read(Path file, String role) {
        try {
            return Files.readAllBytes(file);
        } catch (NoSuchFileException e) {
            throw OspreyException.badInput(role + " file " + file + " does not exist");
        } catch (IOException e) {
            throw OspreyException.badInput("cannot read " + role + " file " + file + ": " + e.getMessage());
        }
    }
}
