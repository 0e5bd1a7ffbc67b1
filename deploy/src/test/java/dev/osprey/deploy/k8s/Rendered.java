package dev.osprey.deploy.k8s;

import dev.osprey.deploy.Repo;
import dev.osprey.deploy.Tree;
import dev.osprey.deploy.kustomize.Kustomization;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/** The objects one kustomization under k8s/ renders to, with lookups the checks share. */
public record Rendered(String name, List<Map<String, Object>> objects) {

    private static final Map<String, Rendered> CACHE = new ConcurrentHashMap<>();

    /** k8s/overlays/NAME, or k8s/NAME for the kustomizations beside the overlays (monitoring). */
    public static Rendered of(String name) {
        return CACHE.computeIfAbsent(name, n -> {
            var dir = Repo.root().resolve("k8s/overlays").resolve(n);
            if (!dir.toFile().isDirectory()) {
                dir = Repo.root().resolve("k8s").resolve(n);
            }
            return new Rendered(n, Kustomization.render(dir));
        });
    }

    public List<Map<String, Object>> ofKind(String kind) {
        return objects.stream().filter(o -> kind.equals(o.get("kind"))).toList();
    }

    public Optional<Map<String, Object>> find(String kind, String objectName) {
        return ofKind(kind).stream().filter(o -> objectName.equals(Tree.string(o, "metadata", "name"))).findFirst();
    }

    public Map<String, Object> get(String kind, String objectName) {
        return find(kind, objectName).orElseThrow(() -> new AssertionError(name + " renders no " + kind + "/" + objectName));
    }

    /** The pod template's spec of a Deployment. */
    public static Map<String, Object> podSpec(Map<String, Object> deployment) {
        return Tree.map(deployment, "spec", "template", "spec");
    }

    /** The Deployments whose pod labels match {@code selector} (every key and value). */
    public List<Map<String, Object>> deploymentsMatching(Map<String, Object> selector) {
        return ofKind("Deployment").stream().filter(d -> matches(selector, Tree.map(d, "spec", "template", "metadata", "labels"))).toList();
    }

    public static boolean matches(Map<String, Object> selector, Map<String, Object> labels) {
        return !selector.isEmpty() && selector.entrySet().stream().allMatch(e -> e.getValue().equals(labels.get(e.getKey())));
    }

    /** The one container of a Deployment named like it. */
    public static Map<String, Object> container(Map<String, Object> deployment) {
        String name = Tree.string(deployment, "metadata", "name");
        return Tree.maps(podSpec(deployment), "containers").stream().filter(c -> name.equals(c.get("name"))).findFirst()
                .orElseThrow(() -> new AssertionError("Deployment " + name + " has no container named " + name));
    }

    /** A container's port number by name. */
    public static Optional<Integer> port(Map<String, Object> container, String portName) {
        return Tree.maps(container, "ports").stream().filter(p -> portName.equals(p.get("name")))
                .map(p -> ((Number) p.get("containerPort")).intValue()).findFirst();
    }

    /** A ConfigMap's data entry set in a container through envFrom, or a plain env value. */
    public Optional<String> env(Map<String, Object> container, String variable) {
        for (Map<String, Object> env : Tree.maps(container, "env")) {
            if (variable.equals(env.get("name")) && env.get("value") != null) {
                return Optional.of(env.get("value").toString());
            }
        }
        for (Map<String, Object> from : Tree.maps(container, "envFrom")) {
            String configMap = Tree.string(from, "configMapRef", "name");
            if (configMap != null) {
                Object value = Tree.map(get("ConfigMap", configMap), "data").get(variable);
                if (value != null) {
                    return Optional.of(value.toString());
                }
            }
        }
        return Optional.empty();
    }

    /** Our four services (not Triton), by module name: each Deployment is named like its module. */
    public static final List<String> SERVICES = List.of("encoder-service", "extractor-service", "llm-service", "gateway");
}
