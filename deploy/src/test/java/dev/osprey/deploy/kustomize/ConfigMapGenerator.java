package dev.osprey.deploy.kustomize;

import dev.osprey.deploy.Tree;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * kustomize's {@code configMapGenerator}, for the subset our manifests use: {@code name}, {@code files}
 * (each the key's file name, or {@code key=path}; inside the kustomization's folder, as kustomize insists)
 * and {@code options} with {@code disableNameSuffixHash: true} and {@code labels}. The content hash
 * suffix kustomize appends otherwise is not implemented, so a generator without that option fails.
 */
final class ConfigMapGenerator {

    private static final Set<String> FIELDS = Set.of("name", "files", "options");
    private static final Set<String> OPTIONS = Set.of("disableNameSuffixHash", "labels");

    private ConfigMapGenerator() {
    }

    /** The ConfigMap one generator entry of {@code file} (in {@code dir}) makes. */
    static Map<String, Object> generate(Path dir, Map<String, Object> generator, Path file) {
        String name = Tree.string(generator, "name");
        if (name == null || !FIELDS.containsAll(generator.keySet())) {
            throw new IllegalArgumentException(file + ": a configMapGenerator needs a name and may have only " + FIELDS);
        }
        Map<String, Object> options = Tree.map(generator, "options");
        if (!OPTIONS.containsAll(options.keySet()) || !Boolean.TRUE.equals(options.get("disableNameSuffixHash"))) {
            throw new IllegalArgumentException(file + ": configMapGenerator " + name
                    + " must set options.disableNameSuffixHash: true (the name hash is not implemented here) and only " + OPTIONS);
        }
        Map<String, Object> data = new LinkedHashMap<>();
        for (Object entry : Tree.list(generator, "files")) {
            String text = entry.toString();
            int equals = text.indexOf('=');
            Path source = dir.resolve(equals < 0 ? text : text.substring(equals + 1)).normalize();
            if (!source.startsWith(dir.normalize())) {
                throw new IllegalArgumentException(file + ": " + text + " is outside " + dir + " (kustomize refuses it)");
            }
            String key = equals < 0 ? source.getFileName().toString() : text.substring(0, equals);
            if (data.put(key, read(source, file)) != null) {
                throw new IllegalArgumentException(file + ": configMapGenerator " + name + " has the key " + key + " twice");
            }
        }
        Map<String, Object> metadata = new LinkedHashMap<>();
        metadata.put("name", name);
        if (!Tree.map(options, "labels").isEmpty()) {
            metadata.put("labels", new LinkedHashMap<>(Tree.map(options, "labels")));
        }
        Map<String, Object> configMap = new LinkedHashMap<>();
        configMap.put("apiVersion", "v1");
        configMap.put("kind", "ConfigMap");
        configMap.put("metadata", metadata);
        configMap.put("data", data);
        return configMap;
    }

    /** Every generator of a kustomization, in order. */
    static List<Map<String, Object>> generateAll(Path dir, List<Map<String, Object>> generators, Path file) {
        return generators.stream().map(generator -> generate(dir, generator, file)).toList();
    }

    private static String read(Path source, Path file) {
        try {
            return Files.readString(source);
        } catch (IOException e) {
            throw new UncheckedIOException(file + ": cannot read " + source, e);
        }
    }
}
