package dev.osprey.deploy.compose;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The Docker Compose command line, which parses and validates a Compose file without an engine
 * ({@code config}): the {@code docker compose} plugin where there is one, else Debian's docker-compose
 * (1.29), installed with apt-get when missing and we are root.
 */
record ComposeCli(List<String> command, boolean plugin) {

    record Result(int exitCode, String output) {
    }

    /** The CLI, or null when there is none and none can be installed here. */
    static ComposeCli find() {
        if (run(List.of("docker", "compose", "version"), Map.of()).exitCode() == 0) {
            return new ComposeCli(List.of("docker", "compose"), true);
        }
        if (run(List.of("docker-compose", "version"), Map.of()).exitCode() != 0 && isRoot()) {
            Map<String, String> quiet = Map.of("DEBIAN_FRONTEND", "noninteractive");
            if (run(List.of("apt-get", "install", "-y", "-qq", "docker-compose"), quiet).exitCode() != 0) {
                // A fresh machine has no package lists yet.
                run(List.of("apt-get", "update", "-qq"), quiet);
                run(List.of("apt-get", "install", "-y", "-qq", "docker-compose"), quiet);
            }
        }
        if (run(List.of("docker-compose", "version"), Map.of()).exitCode() == 0) {
            return new ComposeCli(List.of("docker-compose"), false);
        }
        return null;
    }

    /** {@code config} over the given files (the first names the project directory). */
    Result config(List<Path> files, Map<String, String> environment, String... options) {
        List<String> args = new ArrayList<>(command);
        for (Path file : files) {
            args.add("-f");
            args.add(file.toString());
        }
        args.add("config");
        args.addAll(List.of(options));
        return run(args, environment);
    }

    private static boolean isRoot() {
        return "root".equals(System.getProperty("user.name"));
    }

    private static Result run(List<String> command, Map<String, String> environment) {
        try {
            ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
            builder.environment().putAll(environment);
            Process process = builder.start();
            String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!process.waitFor(3, TimeUnit.MINUTES)) {
                process.destroyForcibly();
                return new Result(-1, output + "\n(timed out)");
            }
            return new Result(process.exitValue(), output);
        } catch (IOException e) {
            return new Result(-1, e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return new Result(-1, "interrupted");
        }
    }
}
