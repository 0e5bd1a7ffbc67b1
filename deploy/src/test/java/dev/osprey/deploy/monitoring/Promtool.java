package dev.osprey.deploy.monitoring;

import dev.osprey.deploy.Command;
import dev.osprey.deploy.Repo;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * Prometheus's promtool, which checks rule files with Prometheus's own parser and runs unit tests of
 * alerts: the one on PATH, else the one in Debian's {@code prometheus} package, unpacked under target/
 * ({@code apt-get download} and {@code dpkg-deb -x}: installing the package would start its server).
 * Downloading needs apt's package lists; as root (CI) this runs {@code apt-get update} when they lack it.
 */
record Promtool(String executable) {

    /** promtool, or null when there is none and Debian's package cannot be had here. */
    static synchronized Promtool find() {
        if (Command.run("promtool", "--version").exitCode() == 0) {
            return new Promtool("promtool");
        }
        Path unpacked = Repo.work("promtool");
        Path executable = unpacked.resolve("usr/bin/promtool");
        if (!Files.isExecutable(executable)) {
            Path deb = download(Repo.work("promtool-deb"));
            if (deb == null || Command.run("dpkg-deb", "-x", deb.toString(), unpacked.toString()).exitCode() != 0) {
                return null;
            }
        }
        return Command.run(executable.toString(), "--version").exitCode() == 0 ? new Promtool(executable.toString()) : null;
    }

    /** {@code promtool ARGS...} in {@code dir}. */
    Command run(Path dir, String... args) {
        List<String> command = new ArrayList<>(List.of(executable));
        command.addAll(List.of(args));
        return Command.run(dir, Map.of(), command);
    }

    private static Path download(Path dir) {
        List<String> download = List.of("apt-get", "download", "prometheus");
        if (Command.run(dir, Map.of(), download).exitCode() != 0) {
            if (!Command.asRoot()) {
                return null;
            }
            // A fresh machine has no package lists yet.
            Command.run(null, Map.of("DEBIAN_FRONTEND", "noninteractive"), List.of("apt-get", "update", "-qq"));
            if (Command.run(dir, Map.of(), download).exitCode() != 0) {
                return null;
            }
        }
        try (Stream<Path> files = Files.list(dir)) {
            return files.filter(file -> file.getFileName().toString().matches("prometheus_.*\\.deb")).findFirst().orElse(null);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
