package dev.osprey.deploy;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/** Runs a command line of a tool the checks use (its output and error merged), within 3 minutes. */
public record Command(int exitCode, String output) {

    /** Runs {@code command} in {@code dir} (null: this process's) with {@code environment} added; -1 when it cannot start or runs too long. */
    public static Command run(Path dir, Map<String, String> environment, List<String> command) {
        try {
            ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
            if (dir != null) {
                builder.directory(dir.toFile());
            }
            builder.environment().putAll(environment);
            Process process = builder.start();
            String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!process.waitFor(3, TimeUnit.MINUTES)) {
                process.destroyForcibly();
                return new Command(-1, output + "\n(timed out)");
            }
            return new Command(process.exitValue(), output);
        } catch (IOException e) {
            return new Command(-1, e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return new Command(-1, "interrupted");
        }
    }

    /** As {@link #run(Path, Map, List)} in this process's directory, with its environment. */
    public static Command run(String... command) {
        return run(null, Map.of(), List.of(command));
    }

    /** Whether the tests run as root (CI does): only then may they install packages with apt-get. */
    public static boolean asRoot() {
        return "root".equals(System.getProperty("user.name"));
    }
}
