package dev.osprey.deploy.kustomize;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Kubernetes strategic merge patch for the fields our manifests patch: maps merge key by key (a null
 * value deletes the key), lists that the API declares with a merge key merge item by item on that key,
 * and every other list is replaced whole, as the API server does for lists without a patch strategy.
 * Patch directives ({@code $patch}, {@code $setElementOrder}, ...) are not implemented and are refused.
 */
public final class StrategicMerge {

    /** List fields merged by key (patchMergeKey in the Kubernetes API), by field name. */
    private static final Map<String, String> MERGE_KEYS = Map.of(
            "containers", "name",
            "initContainers", "name",
            "env", "name",
            "volumes", "name",
            "volumeMounts", "mountPath",
            "imagePullSecrets", "name",
            "topologySpreadConstraints", "topologyKey");

    private StrategicMerge() {
    }

    /** {@code target} with {@code patch} applied; neither argument is changed. */
    public static Map<String, Object> apply(Map<String, Object> target, Map<String, Object> patch) {
        return mergeMaps(target, patch, "");
    }

    private static Map<String, Object> mergeMaps(Map<String, Object> target, Map<String, Object> patch, String path) {
        Map<String, Object> result = new LinkedHashMap<>(target);
        for (Map.Entry<String, Object> entry : patch.entrySet()) {
            String key = entry.getKey();
            if (key.startsWith("$")) {
                throw new IllegalArgumentException("patch directive " + path + "/" + key + " is not supported by this renderer");
            }
            Object value = entry.getValue();
            if (value == null) {
                result.remove(key);
            } else {
                result.put(key, merge(key, target.get(key), value, path + "/" + key));
            }
        }
        return result;
    }

    @SuppressWarnings("unchecked")
    private static Object merge(String field, Object target, Object patch, String path) {
        if (target instanceof Map<?, ?> targetMap && patch instanceof Map<?, ?> patchMap) {
            return mergeMaps((Map<String, Object>) targetMap, (Map<String, Object>) patchMap, path);
        }
        if (target instanceof List<?> targetList && patch instanceof List<?> patchList && mergeKey(field, patchList) != null) {
            return mergeLists((List<Object>) targetList, (List<Object>) patchList, mergeKey(field, patchList), path);
        }
        return patch;
    }

    /** The key a list merges on: by field name, and for ports the one its items carry. */
    private static String mergeKey(String field, List<?> items) {
        if (field.equals("ports")) {
            // Container ports merge on containerPort, Service ports on port.
            boolean container = !items.isEmpty() && items.get(0) instanceof Map<?, ?> m && m.containsKey("containerPort");
            return container ? "containerPort" : "port";
        }
        return MERGE_KEYS.get(field);
    }

    @SuppressWarnings("unchecked")
    private static List<Object> mergeLists(List<Object> target, List<Object> patch, String key, String path) {
        List<Object> result = new ArrayList<>(target);
        for (Object item : patch) {
            if (!(item instanceof Map<?, ?> patchItem) || patchItem.get(key) == null) {
                throw new IllegalArgumentException(path + ": every item of a patch list needs its merge key '" + key + "'");
            }
            int index = indexOf(result, key, patchItem.get(key));
            if (index < 0) {
                result.add(item);
            } else {
                result.set(index, mergeMaps((Map<String, Object>) result.get(index), (Map<String, Object>) patchItem,
                        path + "[" + key + "=" + patchItem.get(key) + "]"));
            }
        }
        return result;
    }

    private static int indexOf(List<Object> items, String key, Object value) {
        for (int i = 0; i < items.size(); i++) {
            if (items.get(i) instanceof Map<?, ?> item && Objects.equals(item.get(key), value)) {
                return i;
            }
        }
        return -1;
    }
}
