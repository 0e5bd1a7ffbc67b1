package dev.osprey.deploy.k8s;

import dev.osprey.deploy.Repo;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import tools.jackson.core.type.TypeReference;
import tools.jackson.databind.ObjectMapper;
import tools.jackson.databind.json.JsonMapper;

/**
 * Validates objects against the Kubernetes API schemas with the npm package kubernetes-models (pinned by
 * deploy/src/test/node/package-lock.json), installed with {@code npm ci} under target/ on first use.
 */
public final class SchemaCheck {

    private static final ObjectMapper JSON = JsonMapper.builder().build();
    private static final List<String> FILES = List.of("package.json", "package-lock.json", "validate.mjs");
    private static Path installed;

    private SchemaCheck() {
    }

    /** The schema errors of each object that has any, keyed "Kind/name". */
    public static Map<String, List<String>> errors(List<Map<String, Object>> objects) {
        Path dir = install();
        try {
            Path input = Files.createTempFile(dir, "objects", ".json");
            Files.writeString(input, JSON.writeValueAsString(objects));
            String out = run(dir, List.of("node", "validate.mjs", input.getFileName().toString()));
            Files.delete(input);
            List<Map<String, Object>> results = JSON.readValue(out, new TypeReference<>() { });
            Map<String, List<String>> errors = new LinkedHashMap<>();
            for (Map<String, Object> result : results) {
                errors.put(result.get("object").toString(), ((List<?>) result.get("errors")).stream().map(Object::toString).toList());
            }
            return errors;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static synchronized Path install() {
        if (installed != null) {
            return installed;
        }
        Path dir = Repo.work("k8s-schema");
        try {
            boolean changed = false;
            for (String file : FILES) {
                Path source = Repo.root().resolve("deploy/src/test/node").resolve(file);
                Path target = dir.resolve(file);
                changed |= !Files.exists(target) || Files.mismatch(source, target) != -1;
                Files.copy(source, target, StandardCopyOption.REPLACE_EXISTING);
            }
            if (changed || !Files.isDirectory(dir.resolve("node_modules/kubernetes-models"))) {
                run(dir, List.of("npm", "ci", "--no-audit", "--no-fund", "--loglevel=error"));
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        installed = dir;
        return dir;
    }

    private static String run(Path dir, List<String> command) {
        try {
            Path log = Files.createTempFile(dir, "run", ".log");
            Process process = new ProcessBuilder(command).directory(dir.toFile()).redirectError(log.toFile()).start();
            String out = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!process.waitFor(5, TimeUnit.MINUTES) || process.exitValue() != 0) {
                process.destroyForcibly();
                throw new IllegalStateException(String.join(" ", command) + " failed in " + dir + ": " + Files.readString(log) + out);
            }
            Files.delete(log);
            return out;
        } catch (IOException e) {
            throw new IllegalStateException("cannot run " + command.get(0) + " (" + e.getMessage() + "): the Kubernetes schema check"
                    + " needs Node.js and npm on PATH (apt-get install nodejs npm)", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
