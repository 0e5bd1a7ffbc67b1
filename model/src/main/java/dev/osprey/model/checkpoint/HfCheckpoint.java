package dev.osprey.model.checkpoint;

import dev.osprey.model.error.OspreyException;
import dev.osprey.model.error.Reason;
import dev.osprey.model.tensor.Tensor;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * A checkpoint in the Hugging Face layout: {@code config.json}, weights as safetensors or PyTorch
 * {@code .bin} files (single or sharded with an {@code *.index.json} weight map), and tokenizer files.
 * All shards are opened up front (indexes only; tensors are mapped on request) so that a missing
 * shard or key fails before any work is done.
 */
public final class HfCheckpoint implements TensorStore {

    /** Tokenizer files copied along with a checkpoint, when present. */
    public static final List<String> TOKENIZER_FILES = List.of(
            "tokenizer.json", "tokenizer_config.json", "special_tokens_map.json", "added_tokens.json", "tokenizer.model");

    private static final JsonMapper JSON = JsonMapper.builder().build();

    private final Path dir;
    private final JsonNode config;
    private final List<TensorStore> shards;
    private final Map<String, TensorStore> byName;

    private HfCheckpoint(Path dir, JsonNode config, List<TensorStore> shards, Map<String, TensorStore> byName) {
        this.dir = dir;
        this.config = config;
        this.shards = shards;
        this.byName = Collections.unmodifiableMap(byName);
    }

    /** Opens a checkpoint directory and checks that every shard and every indexed key is there. */
    public static HfCheckpoint open(Path dir) {
        if (!Files.isDirectory(dir)) {
            throw OspreyException.badCheckpoint("checkpoint directory " + dir + " does not exist");
        }
        Path configFile = dir.resolve("config.json");
        if (!Files.isRegularFile(configFile)) {
            throw OspreyException.badCheckpoint(dir + " is not a Hugging Face checkpoint (no config.json)");
        }
        JsonNode config = readJson(configFile);
        List<TensorStore> shards = new ArrayList<>();
        Map<String, TensorStore> byName = new TreeMap<>();
        try {
            if (Files.exists(dir.resolve("model.safetensors.index.json"))) {
                openSharded(dir, dir.resolve("model.safetensors.index.json"), shards, byName);
            } else if (Files.exists(dir.resolve("model.safetensors"))) {
                addAll(openShard(dir.resolve("model.safetensors")), shards, byName);
            } else if (Files.exists(dir.resolve("pytorch_model.bin.index.json"))) {
                openSharded(dir, dir.resolve("pytorch_model.bin.index.json"), shards, byName);
            } else if (Files.exists(dir.resolve("pytorch_model.bin"))) {
                addAll(openShard(dir.resolve("pytorch_model.bin")), shards, byName);
            } else {
                throw OspreyException.badCheckpoint(dir + " has no weights (expected model.safetensors[.index.json] or pytorch_model.bin[.index.json])");
            }
        } catch (RuntimeException e) {
            shards.forEach(TensorStore::close);
            throw e;
        }
        return new HfCheckpoint(dir, config, shards, byName);
    }

    private static void openSharded(Path dir, Path indexFile, List<TensorStore> shards, Map<String, TensorStore> byName) {
        JsonNode weightMap = readJson(indexFile).path("weight_map");
        if (!weightMap.isObject() || weightMap.isEmpty()) {
            throw OspreyException.badCheckpoint(indexFile + " has no weight_map");
        }
        Map<String, List<String>> keysByShard = new LinkedHashMap<>();
        weightMap.properties().forEach(e -> keysByShard.computeIfAbsent(e.getValue().asString(), s -> new ArrayList<>()).add(e.getKey()));
        List<String> missingShards = keysByShard.keySet().stream().filter(s -> !Files.isRegularFile(dir.resolve(s))).toList();
        if (!missingShards.isEmpty()) {
            throw OspreyException.badCheckpoint(dir + ": missing shard(s) " + String.join(", ", missingShards)
                    + " named by " + indexFile.getFileName());
        }
        for (Map.Entry<String, List<String>> shard : keysByShard.entrySet()) {
            TensorStore store = openShard(dir.resolve(shard.getKey()));
            shards.add(store);
            Set<String> absent = new TreeSet<>(shard.getValue());
            absent.removeAll(store.names());
            if (!absent.isEmpty()) {
                throw OspreyException.badCheckpoint(dir.resolve(shard.getKey()) + " lacks tensors its index names: " + String.join(", ", absent));
            }
            shard.getValue().forEach(key -> byName.put(key, store));
        }
    }

    private static TensorStore openShard(Path file) {
        return file.getFileName().toString().endsWith(".safetensors") ? SafetensorsFile.open(file) : TorchCheckpointFile.open(file);
    }

    private static void addAll(TensorStore store, List<TensorStore> shards, Map<String, TensorStore> byName) {
        shards.add(store);
        store.names().forEach(name -> byName.put(name, store));
    }

    private static JsonNode readJson(Path file) {
        try {
            return JSON.readTree(Files.readString(file));
        } catch (IOException | RuntimeException e) {
            throw new OspreyException(Reason.BAD_CHECKPOINT, "cannot read " + file + ": " + e.getMessage(), e);
        }
    }

    /** The checkpoint directory. */
    public Path dir() {
        return dir;
    }

    /** The parsed {@code config.json}. */
    public JsonNode config() {
        return config;
    }

    /** The tokenizer files present in the directory. */
    public List<Path> tokenizerFiles() {
        return tokenizerFiles(dir);
    }

    /** The tokenizer files ({@link #TOKENIZER_FILES}) present in {@code dir}. */
    public static List<Path> tokenizerFiles(Path dir) {
        return TOKENIZER_FILES.stream().map(dir::resolve).filter(Files::isRegularFile).toList();
    }

    /** Tensor names, sorted. */
    @Override
    public Set<String> names() {
        return byName.keySet();
    }

    @Override
    public Tensor get(String name) {
        TensorStore store = byName.get(name);
        if (store == null) {
            throw OspreyException.badCheckpoint(dir + ": missing tensor '" + name + "'");
        }
        return store.get(name);
    }

    @Override
    public void close() {
        shards.forEach(TensorStore::close);
    }
}
