package dev.osprey.deploy.k8s;

import static org.assertj.core.api.Assertions.assertThat;

import dev.osprey.deploy.Repo;
import dev.osprey.deploy.Tree;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Every pod of both overlays is probed, bounded, hardened and drains its streams before it is killed. */
class OverlayPodsTest {

    @ParameterizedTest
    @ValueSource(strings = {"cpu", "gpu"})
    void everyContainerHasThreeProbesAndRequestsAndLimits(String overlay) {
        for (Map<String, Object> deployment : Rendered.of(overlay).ofKind("Deployment")) {
            for (Map<String, Object> container : Tree.maps(Rendered.podSpec(deployment), "containers")) {
                assertThat(container).as(overlay + " " + container.get("name")).containsKeys("startupProbe", "readinessProbe", "livenessProbe");
            }
            // Init containers run to completion before the probes start, but are bounded all the same.
            for (Map<String, Object> container : allContainers(Rendered.podSpec(deployment))) {
                for (String kind : new String[] {"requests", "limits"}) {
                    assertThat(Tree.map(container, "resources", kind)).as(overlay + " " + container.get("name") + " " + kind).containsKeys("cpu", "memory");
                }
            }
        }
    }

    /** The pod's init containers, then its containers. */
    private static List<Map<String, Object>> allContainers(Map<String, Object> pod) {
        return Stream.concat(Tree.maps(pod, "initContainers").stream(), Tree.maps(pod, "containers").stream()).toList();
    }

    @ParameterizedTest
    @ValueSource(strings = {"cpu", "gpu"})
    void everyPodRunsAsNonRootOnAReadOnlyRootWithAWritableTmp(String overlay) {
        for (Map<String, Object> deployment : Rendered.of(overlay).ofKind("Deployment")) {
            Map<String, Object> pod = Rendered.podSpec(deployment);
            String where = overlay + " " + Tree.string(deployment, "metadata", "name");
            assertThat(Tree.at(pod, "securityContext", "runAsNonRoot")).as(where).isEqualTo(true);
            assertThat(((Number) Tree.at(pod, "securityContext", "runAsUser")).intValue()).as(where).isPositive();
            assertThat(Tree.string(pod, "securityContext", "seccompProfile", "type")).as(where).isEqualTo("RuntimeDefault");
            for (Map<String, Object> container : allContainers(pod)) {
                Map<String, Object> security = Tree.map(container, "securityContext");
                assertThat(security.get("allowPrivilegeEscalation")).as(where).isEqualTo(false);
                assertThat(security.get("readOnlyRootFilesystem")).as(where).isEqualTo(true);
                assertThat(Tree.list(security, "capabilities", "drop")).as(where).containsExactly("ALL");
                String tmpVolume = Tree.maps(container, "volumeMounts").stream().filter(m -> "/tmp".equals(m.get("mountPath")))
                        .map(m -> m.get("name").toString()).findFirst().orElseThrow(() -> new AssertionError(where + " mounts nothing at /tmp"));
                assertThat(Tree.maps(pod, "volumes")).as(where).anySatisfy(v -> {
                    assertThat(v.get("name")).isEqualTo(tmpVolume);
                    assertThat(v).containsKey("emptyDir");
                });
            }
            assertThat(Tree.maps(pod, "topologySpreadConstraints")).as(where)
                    .anySatisfy(c -> assertThat(c.get("topologyKey")).isEqualTo("kubernetes.io/hostname"));
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"cpu", "gpu"})
    void anExplicitHeapAndItsDirectMemoryFitTheMemoryLimit(String overlay) {
        Rendered rendered = Rendered.of(overlay);
        for (String service : Rendered.SERVICES) {
            Map<String, Object> container = Rendered.container(rendered.get("Deployment", service));
            String options = rendered.env(container, "JDK_JAVA_OPTIONS").orElse("");
            Long heap = JvmMemory.flag(options, "-Xmx");
            if (heap == null) {
                continue; // sized by the image's -XX:MaxRAMPercentage from the limit
            }
            // Direct buffers (KV caches, ONNX Runtime tensors) may grow to MaxDirectMemorySize, by default the heap size.
            Long direct = JvmMemory.flag(options, "-XX:MaxDirectMemorySize=");
            long limit = JvmMemory.quantity(Tree.string(container, "resources", "limits", "memory"));
            // Metaspace, code cache and thread stacks come on top: leave them 512 MiB at least.
            assertThat(heap + (direct != null ? direct : heap) + (512L << 20)).as(overlay + " " + service + " " + options)
                    .isLessThanOrEqualTo(limit);
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"cpu", "gpu"})
    void ourServicesGetLongerToStopThanTheirPauseAndDrain(String overlay) {
        long drain = Repo.seconds(Repo.serviceProperties("llm-service").getProperty("spring.grpc.server.shutdown-grace-period"));
        long phase = Repo.seconds(Repo.serviceProperties("llm-service").getProperty("spring.lifecycle.timeout-per-shutdown-phase"));
        for (String service : Rendered.SERVICES) {
            Map<String, Object> deployment = Rendered.of(overlay).get("Deployment", service);
            Map<String, Object> container = Rendered.container(deployment);
            int pause = ((Number) Tree.at(container, "lifecycle", "preStop", "sleep", "seconds")).intValue();
            long grace = ((Number) Rendered.podSpec(deployment).get("terminationGracePeriodSeconds")).longValue();
            assertThat(grace).as(service).isGreaterThan(pause + Math.max(drain, phase));
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"cpu", "gpu"})
    void ourContainersUseTheServicesPortsProbesMetricsAndImages(String overlay) {
        for (String service : Rendered.SERVICES) {
            Map<String, Object> deployment = Rendered.of(overlay).get("Deployment", service);
            Map<String, Object> container = Rendered.container(deployment);
            assertThat(Rendered.port(container, "http")).as(service).contains(Repo.httpPort(service));
            assertThat(Rendered.port(container, "grpc")).as(service).contains(Repo.grpcPort(service));
            assertThat(container.get("image")).isEqualTo("osprey/" + service + ":" + Repo.version());
            assertThat(Tree.string(container, "readinessProbe", "httpGet", "path")).isEqualTo("/actuator/health/readiness");
            assertThat(Tree.string(container, "livenessProbe", "httpGet", "path")).isEqualTo("/actuator/health/liveness");
            assertThat(Tree.string(container, "startupProbe", "httpGet", "path")).isEqualTo("/actuator/health/liveness");
            // The gateway serves Actuator on a management port of its own, the backends on their HTTP port.
            String actuator = service.equals("gateway") ? "management" : "http";
            assertThat(Rendered.port(container, actuator)).as(service).contains(Repo.actuatorPort(service));
            for (String probe : new String[] {"readinessProbe", "livenessProbe", "startupProbe"}) {
                assertThat(Tree.string(container, probe, "httpGet", "port")).isEqualTo(actuator);
            }
            Map<String, Object> annotations = Tree.map(deployment, "spec", "template", "metadata", "annotations");
            assertThat(annotations).containsEntry("prometheus.io/scrape", "true")
                    .containsEntry("prometheus.io/port", Integer.toString(Repo.actuatorPort(service)))
                    .containsEntry("prometheus.io/path", "/actuator/prometheus");
            boolean needsBundle = !service.equals("gateway");
            assertThat(Tree.maps(container, "volumeMounts")).as(service).filteredOn(m -> "/models/bundle".equals(m.get("mountPath")))
                    .hasSize(needsBundle ? 1 : 0).allSatisfy(m -> assertThat(m.get("readOnly")).isEqualTo(true));
        }
    }
}
