package dev.osprey.deploy.kustomize;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class StrategicMergeTest {

    private static final Map<String, Object> DEPLOYMENT = Map.of("spec", Map.of("template", Map.of("spec", Map.of(
            "tolerations", List.of(Map.of("key", "a")),
            "containers", List.of(
                    Map.of("name", "app", "image", "x:1", "args", List.of("--a"),
                            "env", List.of(Map.of("name", "A", "value", "1"), Map.of("name", "B", "value", "2")),
                            "ports", List.of(Map.of("name", "http", "containerPort", 8080))),
                    Map.of("name", "side", "image", "y:1"))))));

    @Test
    void containersMergeByNameAndTheirEnvByName() {
        Map<String, Object> patched = StrategicMerge.apply(DEPLOYMENT, Map.of("spec", Map.of("template", Map.of("spec", Map.of(
                "containers", List.of(Map.of("name", "app", "env", List.of(Map.of("name", "B", "value", "3"), Map.of("name", "C", "value", "4")))))))));

        List<?> containers = (List<?>) path(patched, "spec", "template", "spec", "containers");
        assertThat(containers).hasSize(2);
        Map<?, ?> app = (Map<?, ?>) containers.get(0);
        assertThat(app.get("image")).isEqualTo("x:1");
        assertThat(app.get("env")).isEqualTo(List.of(Map.of("name", "A", "value", "1"), Map.of("name", "B", "value", "3"),
                Map.of("name", "C", "value", "4")));
        assertThat(containers.get(1)).isEqualTo(Map.of("name", "side", "image", "y:1"));
    }

    @Test
    void listsWithoutAMergeKeyAreReplacedAndNullDeletes() {
        Map<String, Object> patch = new java.util.HashMap<>();
        patch.put("tolerations", List.of(Map.of("key", "b")));
        patch.put("nodeSelector", Map.of("gpu", "true"));
        Map<String, Object> patched = StrategicMerge.apply(DEPLOYMENT, Map.of("spec", Map.of("template", Map.of("spec", patch))));
        assertThat(path(patched, "spec", "template", "spec", "tolerations")).isEqualTo(List.of(Map.of("key", "b")));
        assertThat(path(patched, "spec", "template", "spec", "nodeSelector")).isEqualTo(Map.of("gpu", "true"));

        Map<String, Object> delete = new java.util.HashMap<>();
        delete.put("tolerations", null);
        Map<String, Object> deleted = StrategicMerge.apply(DEPLOYMENT, Map.of("spec", Map.of("template", Map.of("spec", delete))));
        assertThat(dev.osprey.deploy.Tree.map(deleted, "spec", "template", "spec")).doesNotContainKey("tolerations").containsKey("containers");
    }

    @Test
    void containerPortsMergeOnContainerPortAndArgsAreReplaced() {
        Map<String, Object> patched = StrategicMerge.apply(DEPLOYMENT, Map.of("spec", Map.of("template", Map.of("spec", Map.of(
                "containers", List.of(Map.of("name", "app", "args", List.of("--b"),
                        "ports", List.of(Map.of("containerPort", 9090, "name", "grpc")))))))));
        Map<?, ?> app = (Map<?, ?>) ((List<?>) path(patched, "spec", "template", "spec", "containers")).get(0);
        assertThat(app.get("args")).isEqualTo(List.of("--b"));
        assertThat(app.get("ports")).isEqualTo(List.of(Map.of("name", "http", "containerPort", 8080), Map.of("containerPort", 9090, "name", "grpc")));
    }

    @Test
    void refusesDirectivesAndItemsWithoutTheirKey() {
        assertThatThrownBy(() -> StrategicMerge.apply(DEPLOYMENT, Map.of("spec", Map.of("$patch", "replace"))))
                .hasMessageContaining("$patch");
        assertThatThrownBy(() -> StrategicMerge.apply(DEPLOYMENT, Map.of("spec", Map.of("template", Map.of("spec", Map.of(
                "containers", List.of(Map.of("image", "z")))))))).hasMessageContaining("merge key 'name'");
    }

    private static Object path(Map<String, Object> node, String... keys) {
        return dev.osprey.deploy.Tree.at(node, keys);
    }
}
