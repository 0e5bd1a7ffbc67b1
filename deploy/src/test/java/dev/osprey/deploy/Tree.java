package dev.osprey.deploy;

import java.util.List;
import java.util.Map;

/** Reads nested maps and lists parsed from YAML or JSON, by path. */
public final class Tree {

    private Tree() {
    }

    /** The value at {@code path} below {@code node} (map keys), or null when any step is missing. */
    public static Object at(Object node, String... path) {
        Object current = node;
        for (String key : path) {
            if (!(current instanceof Map<?, ?> map)) {
                return null;
            }
            current = map.get(key);
        }
        return current;
    }

    /** The map at {@code path}; an empty map when missing. */
    @SuppressWarnings("unchecked")
    public static Map<String, Object> map(Object node, String... path) {
        Object value = at(node, path);
        return value instanceof Map<?, ?> map ? (Map<String, Object>) map : Map.of();
    }

    /** The list of maps at {@code path}; an empty list when missing. */
    @SuppressWarnings("unchecked")
    public static List<Map<String, Object>> maps(Object node, String... path) {
        Object value = at(node, path);
        return value instanceof List<?> list ? (List<Map<String, Object>>) list : List.of();
    }

    /** The list at {@code path}; an empty list when missing. */
    @SuppressWarnings("unchecked")
    public static List<Object> list(Object node, String... path) {
        Object value = at(node, path);
        return value instanceof List<?> list ? (List<Object>) list : List.of();
    }

    /** The string form of the value at {@code path}, or null. */
    public static String string(Object node, String... path) {
        Object value = at(node, path);
        return value == null ? null : value.toString();
    }
}
