package dev.osprey.e2e;

import static org.assertj.core.api.Assertions.fail;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;

/**
 * Runs the tools of a test that drives the stack from outside Java, from their folder
 * ({@code e2e/browser}, {@code e2e/clients/...}): {@code install.sh} brings what is missing (a browser,
 * pinned npm packages, Debian packages), then the test's scripts run. Each command's output goes to a
 * log in the output folder, quoted when it fails.
 */
final class ScriptRun {

    /** install.sh's exit code when this machine cannot have the tools at all. */
    private static final int CANNOT_INSTALL = 3;

    private final Path scripts;
    private final Path out;
    private final String test;

    /** @param test what the scripts test, for the skip message ("web demo browser test") */
    ScriptRun(Path scripts, Path out, String test) throws IOException {
        this.scripts = scripts;
        this.out = Files.createDirectories(out);
        this.test = test;
    }

    /** Installs what is missing; aborts the calling test (skipped) when the tools cannot be installed here. */
    void install() throws Exception {
        Path log = out.resolve("install.log");
        int exit = run(List.of("bash", scripts.resolve("install.sh").toString()), log, Duration.ofMinutes(10));
        List<String> lines = Files.readAllLines(log);
        String last = lines.isEmpty() ? "(no output)" : lines.getLast();
        Assumptions.assumeTrue(exit != CANNOT_INSTALL, () -> test + " skipped: " + last);
        if (exit != 0) {
            fail(scripts.resolve("install.sh") + " failed with exit code " + exit + "; its output:\n" + tail(log));
        }
        System.out.println(test + ": " + last);
    }

    /** Runs {@code node <script> <args...>} in the scripts folder; fails with its output unless it exits 0. */
    void node(String script, List<String> args, Duration limit) throws Exception {
        List<String> command = new ArrayList<>(List.of("node", script));
        command.addAll(args);
        command(script.replace(".mjs", ".log"), command, limit);
    }

    /** Runs {@code command} in the scripts folder, its output in {@code logName}; fails with its output unless it exits 0. */
    void command(String logName, List<String> command, Duration limit) throws Exception {
        Path log = out.resolve(logName);
        int exit = run(command, log, limit);
        if (exit != 0) {
            fail(String.join(" ", command) + " failed with exit code " + exit + "; its output:\n" + tail(log));
        }
    }

    private int run(List<String> command, Path log, Duration limit) throws Exception {
        Process process = new ProcessBuilder(command).directory(scripts.toFile()).redirectErrorStream(true)
                .redirectOutput(log.toFile()).start();
        if (!process.waitFor(limit.toSeconds(), TimeUnit.SECONDS)) {
            process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            fail(String.join(" ", command) + " took longer than " + limit + "; its output:\n" + tail(log));
        }
        return process.exitValue();
    }

    private static String tail(Path log) throws IOException {
        List<String> lines = Files.readAllLines(log);
        return String.join("\n", lines.subList(Math.max(0, lines.size() - 60), lines.size()));
    }
}
