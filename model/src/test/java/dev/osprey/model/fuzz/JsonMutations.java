package dev.osprey.model.fuzz;

import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.JsonNodeFactory;
import tools.jackson.databind.node.ObjectNode;

/**
 * Mutations of a JSON document by its tree: a value replaced by one of the wrong type, sign or
 * size, removed or repeated; a key added; the text cut, given non-standard numbers or nested very
 * deeply. What a mask or checkpoint header written by a careless or hostile client looks like (and,
 * with the API's keys, a request body: the gateway's fuzz tests use it too).
 */
public final class JsonMutations {

    private static final JsonMapper JSON = JsonMapper.builder().build();
    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;
    /** Keys that mean something in a mask file or a safetensors header. */
    private static final String[] KEYS = {"size", "counts", "segmentation", "polygons", "bbox", "dtype", "shape", "data_offsets"};

    private JsonMutations() {
    }

    /** One mutation of {@code json} (which must parse), described after {@code seedName}. */
    static Mutant mutate(Random random, byte[] json, String seedName) {
        return mutate(random, json, seedName, KEYS);
    }

    /** One mutation of {@code json} (which must parse), whose added keys are {@code addedKeys}; described after {@code seedName}. */
    public static Mutant mutate(Random random, byte[] json, String seedName, String... addedKeys) {
        int kind = random.nextInt(10);
        if (kind == 0) {
            return textMutation(random, new String(json, StandardCharsets.UTF_8), seedName, addedKeys);
        }
        JsonNode root = JSON.readTree(json);
        List<String> paths = new ArrayList<>();
        List<JsonNode> parents = new ArrayList<>();
        List<Object> keys = new ArrayList<>();
        collect(root, "", paths, parents, keys);
        int n = random.nextInt(paths.size());
        String what;
        if (kind <= 5 || n == 0) {
            JsonNode value = evilValue(random);
            if (n == 0) {
                String key = addedKeys[random.nextInt(addedKeys.length)];
                ((ObjectNode) root).set(key, value);
                what = "root key " + key + " := " + abbreviate(value.toString());
            } else {
                set(parents.get(n), keys.get(n), value);
                what = paths.get(n) + " := " + abbreviate(value.toString());
            }
        } else if (kind <= 7) {
            remove(parents.get(n), keys.get(n));
            what = paths.get(n) + " removed";
        } else {
            JsonNode node = child(parents.get(n), keys.get(n));
            if (parents.get(n) instanceof ArrayNode array) {
                array.add(node.deepCopy());
                what = paths.get(n) + " repeated at the end of its list";
            } else {
                String key = addedKeys[random.nextInt(addedKeys.length)];
                ((ObjectNode) root).set(key, node.deepCopy());
                what = paths.get(n) + " copied to root key " + key;
            }
        }
        return new Mutant(JSON.writeValueAsBytes(root), seedName + ": " + what);
    }

    /** A value of a type, sign or size that a parser expecting a small count or coordinate must survive. */
    private static JsonNode evilValue(Random random) {
        return switch (random.nextInt(24)) {
            case 0 -> NODES.nullNode();
            case 1 -> NODES.booleanNode(true);
            case 2 -> NODES.stringNode("480");
            case 3 -> NODES.stringNode("");
            case 4 -> NODES.numberNode(-1);
            case 5 -> NODES.numberNode(0);
            case 6 -> NODES.numberNode(0.5);
            case 7 -> NODES.numberNode(1e9);
            case 8 -> NODES.numberNode(-1e9);
            case 9 -> NODES.numberNode(Integer.MAX_VALUE);
            case 10 -> NODES.numberNode(1L << 31);
            case 11 -> NODES.numberNode(Long.MAX_VALUE);
            case 12 -> NODES.numberNode(1e308);
            case 13 -> NODES.numberNode(4.9e-324);
            case 14 -> NODES.numberNode(new BigInteger("123456789012345678901234567890"));
            case 15 -> NODES.arrayNode();
            case 16 -> NODES.objectNode();
            case 17 -> NODES.arrayNode().add(1e9).add(1e9);
            case 18 -> NODES.arrayNode().add(46341).add(46341);
            case 19 -> NODES.arrayNode().add(-480).add(640);
            case 20 -> {
                ArrayNode nested = NODES.arrayNode().add(1);
                for (int i = 0; i < 40; i++) {
                    nested = NODES.arrayNode().add(nested);
                }
                yield nested;
            }
            case 21 -> NODES.stringNode("0".repeat(10_000));
            case 22 -> NODES.numberNode(random.nextInt(2000) - 1000);
            default -> NODES.numberNode(random.nextGaussian() * 1000);
        };
    }

    private static Mutant textMutation(Random random, String json, String seedName, String[] addedKeys) {
        return switch (random.nextInt(4)) {
            case 0 -> {
                int at = random.nextInt(json.length());
                yield new Mutant(json.substring(0, at).getBytes(StandardCharsets.UTF_8), seedName + ": text cut at " + at);
            }
            case 1 -> {
                String token = new String[] {"NaN", "Infinity", "-Infinity", "1e999", "-0", "01", "1.", "0x10", "\"\\u0000\""}[random.nextInt(9)];
                int at = json.indexOf(',', random.nextInt(json.length()));
                at = at < 0 ? json.indexOf(',') : at;
                String mutated = json.substring(0, at + 1) + token + json.substring(at + 1);
                yield new Mutant(mutated.getBytes(StandardCharsets.UTF_8), seedName + ": '" + token + "' inserted after a comma at " + at);
            }
            case 2 -> {
                int depth = random.nextBoolean() ? 400 : 100_000;
                String deep = "[".repeat(depth) + "]".repeat(depth);
                String mutated = json.replaceFirst("\\{", "{\"" + addedKeys[random.nextInt(addedKeys.length)] + "\": " + deep + ", ");
                yield new Mutant(mutated.getBytes(StandardCharsets.UTF_8), seedName + ": a key holding arrays nested " + depth + " deep added");
            }
            default -> Mutant.mutate(random, json.getBytes(StandardCharsets.UTF_8), seedName);
        };
    }

    /** Every node, the root first, with its path, parent and key (field name or index). */
    private static void collect(JsonNode node, String path, List<String> paths, List<JsonNode> parents, List<Object> keys) {
        if (path.isEmpty()) {
            paths.add("/");
            parents.add(null);
            keys.add(null);
        }
        if (node.isObject()) {
            for (String field : node.propertyNames()) {
                add(node, field, path + "/" + field, paths, parents, keys);
            }
        } else if (node.isArray()) {
            for (int i = 0; i < node.size(); i++) {
                add(node, i, path + "/" + i, paths, parents, keys);
            }
        }
    }

    private static void add(JsonNode parent, Object key, String path, List<String> paths, List<JsonNode> parents, List<Object> keys) {
        paths.add(path);
        parents.add(parent);
        keys.add(key);
        collect(child(parent, key), path, paths, parents, keys);
    }

    private static JsonNode child(JsonNode parent, Object key) {
        return key instanceof Integer i ? parent.get(i) : parent.get((String) key);
    }

    private static void set(JsonNode parent, Object key, JsonNode value) {
        if (key instanceof Integer i) {
            ((ArrayNode) parent).set(i, value);
        } else {
            ((ObjectNode) parent).set((String) key, value);
        }
    }

    private static void remove(JsonNode parent, Object key) {
        if (key instanceof Integer i) {
            ((ArrayNode) parent).remove(i);
        } else {
            ((ObjectNode) parent).remove((String) key);
        }
    }

    private static String abbreviate(String text) {
        return text.length() > 60 ? text.substring(0, 60) + "..." : text;
    }
}
