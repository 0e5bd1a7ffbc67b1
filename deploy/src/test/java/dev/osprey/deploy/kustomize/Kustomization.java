package dev.osprey.deploy.kustomize;

import dev.osprey.deploy.Tree;
import dev.osprey.deploy.Yaml;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Renders a kustomization folder the way {@code kustomize build} does, for the subset of kustomize our
 * manifests use: {@code resources} (files, and folders holding a kustomization.yaml), {@code namespace},
 * {@code patches} given by {@code path} (strategic merge patches, matched to their target by kind and
 * name, and namespace when the patch names one) and {@code images} (newName, newTag, digest). Any other
 * field fails the rendering, so manifests cannot quietly rely on what is not implemented here.
 */
public final class Kustomization {

    private static final Set<String> FIELDS = Set.of("apiVersion", "kind", "namespace", "resources", "configMapGenerator", "patches",
            "images");
    /** Kinds without a namespace, left alone by the namespace transformer. */
    private static final Set<String> CLUSTER_SCOPED = Set.of("Namespace", "PersistentVolume", "StorageClass", "ClusterRole",
            "ClusterRoleBinding", "CustomResourceDefinition", "PriorityClass", "IngressClass", "APIService");

    private Kustomization() {
    }

    /** The objects {@code dir}'s kustomization.yaml renders to, in resource order. */
    public static List<Map<String, Object>> render(Path dir) {
        Path file = dir.resolve("kustomization.yaml");
        if (!Files.isRegularFile(file)) {
            throw new IllegalArgumentException(dir + " holds no kustomization.yaml");
        }
        Map<String, Object> kustomization = Yaml.document(file);
        for (String field : kustomization.keySet()) {
            if (!FIELDS.contains(field)) {
                throw new IllegalArgumentException(file + ": '" + field + "' is not implemented by this renderer (it knows " + FIELDS + ")");
            }
        }
        if (!"Kustomization".equals(kustomization.get("kind"))) {
            throw new IllegalArgumentException(file + ": kind must be Kustomization");
        }
        List<Map<String, Object>> objects = new ArrayList<>();
        for (Object entry : Tree.list(kustomization, "resources")) {
            Path resource = dir.resolve(entry.toString()).normalize();
            if (Files.isDirectory(resource)) {
                objects.addAll(render(resource));
            } else if (Files.isRegularFile(resource)) {
                objects.addAll(Yaml.documents(resource));
            } else {
                throw new IllegalArgumentException(file + ": resource " + entry + " does not exist");
            }
        }
        objects.addAll(ConfigMapGenerator.generateAll(dir, Tree.maps(kustomization, "configMapGenerator"), file));
        for (Map<String, Object> patch : Tree.maps(kustomization, "patches")) {
            if (!patch.keySet().equals(Set.of("path"))) {
                throw new IllegalArgumentException(file + ": a patch must be given by 'path' alone here (no target or inline patch)");
            }
            for (Map<String, Object> document : Yaml.documents(dir.resolve(patch.get("path").toString()))) {
                applyPatch(objects, document, file);
            }
        }
        for (Map<String, Object> image : Tree.maps(kustomization, "images")) {
            setImage(objects, image);
        }
        String namespace = Tree.string(kustomization, "namespace");
        if (namespace != null) {
            objects.replaceAll(object -> withNamespace(object, namespace));
        }
        checkUnique(objects, file);
        return objects;
    }

    private static void applyPatch(List<Map<String, Object>> objects, Map<String, Object> patch, Path file) {
        String kind = Tree.string(patch, "kind");
        String name = Tree.string(patch, "metadata", "name");
        String namespace = Tree.string(patch, "metadata", "namespace");
        int match = -1;
        for (int i = 0; i < objects.size(); i++) {
            Map<String, Object> object = objects.get(i);
            if (kind.equals(object.get("kind")) && name.equals(Tree.string(object, "metadata", "name"))
                    && (namespace == null || namespace.equals(Tree.string(object, "metadata", "namespace")))) {
                if (match >= 0) {
                    throw new IllegalArgumentException(file + ": patch " + kind + "/" + name + " matches more than one object");
                }
                match = i;
            }
        }
        if (match < 0) {
            throw new IllegalArgumentException(file + ": patch " + kind + "/" + name + " matches no object");
        }
        objects.set(match, StrategicMerge.apply(objects.get(match), patch));
    }

    /** kustomize's images transformer: containers whose image name equals {@code name} get the new name, tag or digest. */
    @SuppressWarnings("unchecked")
    private static void setImage(List<Map<String, Object>> objects, Map<String, Object> image) {
        String name = image.get("name").toString();
        for (Map<String, Object> object : objects) {
            Map<String, Object> podSpec = Tree.map(object, "spec", "template", "spec");
            for (String field : List.of("containers", "initContainers")) {
                for (Map<String, Object> container : Tree.maps(podSpec, field)) {
                    String current = container.get("image").toString();
                    ImageRef ref = ImageRef.parse(current);
                    if (ref.name().equals(name)) {
                        container.put("image", ref.with(Tree.string(image, "newName"), Tree.string(image, "newTag"),
                                Tree.string(image, "digest")).toString());
                    }
                }
            }
        }
    }

    private static Map<String, Object> withNamespace(Map<String, Object> object, String namespace) {
        if (CLUSTER_SCOPED.contains(Tree.string(object, "kind"))) {
            return object;
        }
        Map<String, Object> copy = new LinkedHashMap<>(object);
        Map<String, Object> metadata = new LinkedHashMap<>(Tree.map(object, "metadata"));
        metadata.put("namespace", namespace);
        copy.put("metadata", metadata);
        return copy;
    }

    private static void checkUnique(List<Map<String, Object>> objects, Path file) {
        Set<String> seen = new HashSet<>();
        for (Map<String, Object> object : objects) {
            String id = object.get("kind") + "/" + Tree.string(object, "metadata", "namespace") + "/" + Tree.string(object, "metadata", "name");
            if (!seen.add(id)) {
                throw new IllegalArgumentException(file + ": " + id + " is defined twice");
            }
        }
    }
}
