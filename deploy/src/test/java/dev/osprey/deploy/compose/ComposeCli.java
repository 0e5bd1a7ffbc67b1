package dev.osprey.deploy.compose;

import dev.osprey.deploy.Command;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The Docker Compose command line, which parses and validates a Compose file without an engine
 * ({@code config}): the {@code docker compose} plugin where there is one, else Debian's docker-compose
 * (1.29), installed with apt-get when missing and we are root.
 */
record ComposeCli(List<String> command, boolean plugin) {

    /** The CLI, or null when there is none and none can be installed here. */
    static ComposeCli find() {
        if (Command.run("docker", "compose", "version").exitCode() == 0) {
            return new ComposeCli(List.of("docker", "compose"), true);
        }
        if (Command.run("docker-compose", "version").exitCode() != 0 && Command.asRoot()) {
            Map<String, String> quiet = Map.of("DEBIAN_FRONTEND", "noninteractive");
            if (Command.run(null, quiet, List.of("apt-get", "install", "-y", "-qq", "docker-compose")).exitCode() != 0) {
                // A fresh machine has no package lists yet.
                Command.run(null, quiet, List.of("apt-get", "update", "-qq"));
                Command.run(null, quiet, List.of("apt-get", "install", "-y", "-qq", "docker-compose"));
            }
        }
        if (Command.run("docker-compose", "version").exitCode() == 0) {
            return new ComposeCli(List.of("docker-compose"), false);
        }
        return null;
    }

    /** {@code config} over the given files (the first names the project directory). */
    Command config(List<Path> files, Map<String, String> environment, String... options) {
        List<String> args = new ArrayList<>(command);
        for (Path file : files) {
            args.add("-f");
            args.add(file.toString());
        }
        args.add("config");
        args.addAll(List.of(options));
        return Command.run(null, environment, args);
    }
}
