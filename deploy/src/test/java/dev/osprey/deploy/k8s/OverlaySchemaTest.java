package dev.osprey.deploy.k8s;

import static org.assertj.core.api.Assertions.assertThat;

import dev.osprey.deploy.Tree;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import tools.jackson.core.type.TypeReference;
import tools.jackson.databind.json.JsonMapper;

/** Every object the kustomizations render is valid against the Kubernetes API schemas. */
class OverlaySchemaTest {

    @ParameterizedTest
    @ValueSource(strings = {"cpu", "gpu", "monitoring"})
    void everyRenderedObjectMatchesTheApiSchemas(String kustomization) {
        Rendered rendered = Rendered.of(kustomization);
        assertThat(rendered.objects()).isNotEmpty();
        assertThat(SchemaCheck.errors(rendered.objects())).isEmpty();
    }

    @Test
    void theCheckRejectsAnUnknownFieldAWrongTypeAMissingFieldAndAnUnknownKind() {
        Map<String, Object> triton = Rendered.of("gpu").get("Deployment", "triton");

        Map<String, Object> misspelt = copy(triton);
        Rendered.container(misspelt).put("readinessProbes", Map.of());
        Map<String, Object> wrongType = copy(triton);
        Tree.map(wrongType, "spec").put("minReadySeconds", "soon");
        Map<String, Object> nameless = copy(triton);
        Rendered.container(nameless).remove("name");
        Tree.map(nameless, "metadata").put("name", "nameless");
        Map<String, Object> unknownKind = Map.of("apiVersion", "example.org/v1", "kind", "Widget", "metadata", Map.of("name", "w"));
        Tree.map(misspelt, "metadata").put("name", "misspelt");
        Tree.map(wrongType, "metadata").put("name", "wrong-type");

        Map<String, List<String>> errors = SchemaCheck.errors(List.of(misspelt, wrongType, nameless, unknownKind));

        assertThat(errors.get("Deployment/misspelt")).singleElement().asString().contains("/containers/0/readinessProbes is not a field");
        assertThat(errors.get("Deployment/wrong-type")).singleElement().asString().contains("minReadySeconds must be integer");
        assertThat(errors.get("Deployment/nameless")).singleElement().asString().contains("must have required property name");
        assertThat(errors.get("Widget/w")).singleElement().asString().contains("no schema");
    }

    private static Map<String, Object> copy(Map<String, Object> object) {
        JsonMapper json = JsonMapper.builder().build();
        return json.readValue(json.writeValueAsString(object), new TypeReference<>() { });
    }
}
