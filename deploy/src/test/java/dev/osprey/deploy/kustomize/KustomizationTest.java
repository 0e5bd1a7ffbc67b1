package dev.osprey.deploy.kustomize;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.osprey.deploy.Tree;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class KustomizationTest {

    @TempDir
    Path dir;

    @Test
    void rendersResourcesFromFoldersThenPatchesImagesAndNamespace() throws IOException {
        write("base/kustomization.yaml", """
                apiVersion: kustomize.config.k8s.io/v1beta1
                kind: Kustomization
                namespace: shop
                resources: [ns.yaml, app]
                """);
        write("base/ns.yaml", "apiVersion: v1\nkind: Namespace\nmetadata: {name: shop}\n");
        write("base/app/kustomization.yaml", "apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources: [app.yaml]\n");
        write("base/app/app.yaml", """
                apiVersion: apps/v1
                kind: Deployment
                metadata: {name: app}
                spec:
                  template:
                    spec:
                      containers:
                        - {name: app, image: "registry:5000/shop/app:1.0"}
                ---
                apiVersion: v1
                kind: ConfigMap
                metadata: {name: app-config}
                data: {MODE: a}
                """);
        write("overlay/kustomization.yaml", """
                apiVersion: kustomize.config.k8s.io/v1beta1
                kind: Kustomization
                resources: [../base, extra.yaml]
                patches:
                  - path: mode.yaml
                images:
                  - {name: "registry:5000/shop/app", newName: example.org/app, newTag: "2.0"}
                """);
        write("overlay/extra.yaml", "apiVersion: v1\nkind: Service\nmetadata: {name: extra}\n");
        write("overlay/mode.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: app-config}\ndata: {MODE: b, MORE: c}\n");

        List<Map<String, Object>> objects = Kustomization.render(dir.resolve("overlay"));

        assertThat(objects).extracting(o -> o.get("kind") + "/" + Tree.string(o, "metadata", "name") + "@" + Tree.string(o, "metadata", "namespace"))
                .containsExactly("Namespace/shop@null", "Deployment/app@shop", "ConfigMap/app-config@shop", "Service/extra@null");
        assertThat(Tree.map(objects.get(2), "data")).isEqualTo(Map.of("MODE", "b", "MORE", "c"));
        assertThat(Tree.maps(objects.get(1), "spec", "template", "spec", "containers").get(0).get("image")).isEqualTo("example.org/app:2.0");
    }

    @Test
    void refusesWhatItDoesNotImplement() throws IOException {
        write("k/kustomization.yaml", "apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\ncommonLabels: {a: b}\n");
        assertThatThrownBy(() -> Kustomization.render(dir.resolve("k"))).hasMessageContaining("'commonLabels' is not implemented");

        write("p/kustomization.yaml", """
                apiVersion: kustomize.config.k8s.io/v1beta1
                kind: Kustomization
                resources: [cm.yaml]
                patches:
                  - {path: cm.yaml, target: {kind: ConfigMap}}
                """);
        write("p/cm.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\n");
        assertThatThrownBy(() -> Kustomization.render(dir.resolve("p"))).hasMessageContaining("by 'path' alone");
    }

    @Test
    void aPatchWithoutTargetOrADuplicateObjectFails() throws IOException {
        write("a/kustomization.yaml", """
                apiVersion: kustomize.config.k8s.io/v1beta1
                kind: Kustomization
                resources: [cm.yaml]
                patches: [{path: other.yaml}]
                """);
        write("a/cm.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\n");
        write("a/other.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: d}\n");
        assertThatThrownBy(() -> Kustomization.render(dir.resolve("a"))).hasMessageContaining("ConfigMap/d matches no object");

        write("b/kustomization.yaml", "apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources: [cm.yaml, cm2.yaml]\n");
        write("b/cm.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\n");
        write("b/cm2.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\n");
        assertThatThrownBy(() -> Kustomization.render(dir.resolve("b"))).hasMessageContaining("defined twice");
    }

    @Test
    void generatesAConfigMapFromFilesWithItsLabelsInTheNamespace() throws IOException {
        write("g/kustomization.yaml", """
                apiVersion: kustomize.config.k8s.io/v1beta1
                kind: Kustomization
                namespace: watch
                configMapGenerator:
                  - name: boards
                    files: [dashboards/a.json, renamed.json=dashboards/b.json]
                    options:
                      disableNameSuffixHash: true
                      labels: {grafana_dashboard: "1"}
                """);
        write("g/dashboards/a.json", "{\"a\": 1}\n");
        write("g/dashboards/b.json", "{\"b\": 2}\n");

        Map<String, Object> configMap = Kustomization.render(dir.resolve("g")).getFirst();

        assertThat(Tree.string(configMap, "kind")).isEqualTo("ConfigMap");
        assertThat(Tree.string(configMap, "metadata", "name")).isEqualTo("boards");
        assertThat(Tree.string(configMap, "metadata", "namespace")).isEqualTo("watch");
        assertThat(Tree.map(configMap, "metadata", "labels")).isEqualTo(Map.of("grafana_dashboard", "1"));
        assertThat(Tree.map(configMap, "data")).containsExactly(Map.entry("a.json", "{\"a\": 1}\n"), Map.entry("renamed.json", "{\"b\": 2}\n"));
    }

    @Test
    void aGeneratorNeedsAFixedNameAndFilesInsideTheKustomization() throws IOException {
        write("h/kustomization.yaml", """
                apiVersion: kustomize.config.k8s.io/v1beta1
                kind: Kustomization
                configMapGenerator:
                  - {name: hashed, files: [a.json]}
                """);
        write("h/a.json", "{}");
        assertThatThrownBy(() -> Kustomization.render(dir.resolve("h"))).hasMessageContaining("disableNameSuffixHash: true");

        write("o/kustomization.yaml", """
                apiVersion: kustomize.config.k8s.io/v1beta1
                kind: Kustomization
                configMapGenerator:
                  - {name: outside, files: [../h/a.json], options: {disableNameSuffixHash: true}}
                """);
        assertThatThrownBy(() -> Kustomization.render(dir.resolve("o"))).hasMessageContaining("is outside");
    }

    @Test
    void imageReferencesKeepRegistryPortsApart() {
        assertThat(ImageRef.parse("registry:5000/a/b")).isEqualTo(new ImageRef("registry:5000/a/b", null, null));
        assertThat(ImageRef.parse("a/b:1@sha256:ff")).isEqualTo(new ImageRef("a/b", "1", "sha256:ff"));
        assertThat(ImageRef.parse("a/b:1").with(null, null, "sha256:ee").toString()).isEqualTo("a/b@sha256:ee");
    }

    private void write(String path, String text) throws IOException {
        Path file = dir.resolve(path);
        Files.createDirectories(file.getParent());
        Files.writeString(file, text);
    }
}
