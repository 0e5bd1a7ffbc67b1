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
 * Prometheus's own programs, for the checks of the monitoring files: promtool (rule files parsed with
 * Prometheus's parser, unit tests of alerts) and the Prometheus server (the dashboard's queries
 * evaluated on scraped series). The ones on PATH, else those of Debian's {@code prometheus} package,
 * unpacked under target/ ({@code apt-get download} and {@code dpkg-deb -x}: installing the package
 * would start its server as a system service). Downloading needs apt's package lists; as root (CI)
 * this runs {@code apt-get update} when they are missing.
 *
 * @param promtool the promtool executable
 * @param server   the prometheus executable
 */
public record PrometheusTools(String promtool, String server) {

    /** The tools, or null when they are not on PATH and Debian's package cannot be had here. */
    public static synchronized PrometheusTools find() {
        if (runs("promtool") && runs("prometheus")) {
            return new PrometheusTools("promtool", "prometheus");
        }
        Path unpacked = Repo.work("prometheus-package");
        Path bin = unpacked.resolve("usr/bin");
        if (!Files.isExecutable(bin.resolve("promtool")) || !Files.isExecutable(bin.resolve("prometheus"))) {
            Path deb = download(Repo.work("prometheus-deb"));
            if (deb == null || Command.run("dpkg-deb", "-x", deb.toString(), unpacked.toString()).exitCode() != 0) {
                return null;
            }
        }
        PrometheusTools tools = new PrometheusTools(bin.resolve("promtool").toString(), bin.resolve("prometheus").toString());
        return runs(tools.promtool()) && runs(tools.server()) ? tools : null;
    }

    /** {@code promtool ARGS...} in {@code dir}. */
    public Command promtool(Path dir, String... args) {
        List<String> command = new ArrayList<>(List.of(promtool));
        command.addAll(List.of(args));
        return Command.run(dir, Map.of(), command);
    }

    private static boolean runs(String executable) {
        return Command.run(executable, "--version").exitCode() == 0;
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
