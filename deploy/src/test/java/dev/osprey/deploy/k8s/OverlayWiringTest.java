package dev.osprey.deploy.k8s;

import static org.assertj.core.api.Assertions.assertThat;

import dev.osprey.deploy.Tree;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** What refers to what in both overlays points at something that exists and fits. */
class OverlayWiringTest {

    @ParameterizedTest
    @ValueSource(strings = {"cpu", "gpu"})
    void everyDeploymentHasOneAutoscalerAndOneDisruptionBudgetAndNothingDangles(String overlay) {
        Rendered rendered = Rendered.of(overlay);
        for (Map<String, Object> hpa : rendered.ofKind("HorizontalPodAutoscaler")) {
            assertThat(Tree.string(hpa, "spec", "scaleTargetRef", "kind")).isEqualTo("Deployment");
            assertThat(rendered.find("Deployment", Tree.string(hpa, "spec", "scaleTargetRef", "name"))).as(name(hpa)).isPresent();
        }
        for (Map<String, Object> deployment : rendered.ofKind("Deployment")) {
            String name = name(deployment);
            assertThat(rendered.ofKind("HorizontalPodAutoscaler")).as(name)
                    .filteredOn(h -> name.equals(Tree.string(h, "spec", "scaleTargetRef", "name"))).hasSize(1);
            Map<String, Object> labels = Tree.map(deployment, "spec", "template", "metadata", "labels");
            assertThat(rendered.ofKind("PodDisruptionBudget")).as(name)
                    .filteredOn(p -> Rendered.matches(Tree.map(p, "spec", "selector", "matchLabels"), labels)).hasSize(1);
            assertThat(Tree.map(deployment, "spec")).as(name + ": the autoscaler owns the replica count").doesNotContainKey("replicas");
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"cpu", "gpu"})
    void customAutoscalingMetricsAreServedByTheAdapterRules(String overlay) {
        String rules = Tree.string(Rendered.of("monitoring").get("ConfigMap", "prometheus-adapter-osprey"), "data", "config.yaml");
        for (Map<String, Object> hpa : Rendered.of(overlay).ofKind("HorizontalPodAutoscaler")) {
            for (Map<String, Object> metric : Tree.maps(hpa, "spec", "metrics")) {
                if ("Pods".equals(metric.get("type"))) {
                    assertThat(rules).contains("as: \"" + Tree.string(metric, "pods", "metric", "name") + "\"");
                }
            }
        }
        assertThat(Tree.maps(Rendered.of(overlay).get("HorizontalPodAutoscaler", "llm-service"), "spec", "metrics"))
                .singleElement().satisfies(m -> assertThat(Tree.string(m, "pods", "metric", "name")).isEqualTo("osprey_generate_queue_depth"));
        assertThat(rules).contains("seriesQuery: 'osprey_queue_depth{queue=\"generate\"", "seriesQuery: 'nv_inference_queue_duration_us{");
        assertThat(Tree.string(Rendered.of(overlay).get("HorizontalPodAutoscaler", "gateway"), "spec", "metrics")).contains("cpu");
    }

    @ParameterizedTest
    @ValueSource(strings = {"cpu", "gpu"})
    void everyServiceSelectsPodsThatHaveItsTargetPorts(String overlay) {
        Rendered rendered = Rendered.of(overlay);
        for (Map<String, Object> service : rendered.ofKind("Service")) {
            List<Map<String, Object>> pods = rendered.deploymentsMatching(Tree.map(service, "spec", "selector"));
            assertThat(pods).as(name(service) + " selects no pods").isNotEmpty();
            for (Map<String, Object> port : Tree.maps(service, "spec", "ports")) {
                for (Map<String, Object> deployment : pods) {
                    assertThat(Rendered.port(Rendered.container(deployment), port.get("targetPort").toString()))
                            .as(name(service) + " targetPort " + port.get("targetPort")).isPresent();
                }
            }
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"cpu", "gpu"})
    void everyNetworkPolicySelectsExistingPodsAndNamesPortsTheyHave(String overlay) {
        Rendered rendered = Rendered.of(overlay);
        for (Map<String, Object> policy : rendered.ofKind("NetworkPolicy")) {
            Map<String, Object> selector = Tree.map(policy, "spec", "podSelector", "matchLabels");
            List<Map<String, Object>> pods = selector.isEmpty() ? rendered.ofKind("Deployment") : rendered.deploymentsMatching(selector);
            assertThat(pods).as(name(policy)).isNotEmpty();
            for (Map<String, Object> rule : Tree.maps(policy, "spec", "ingress")) {
                for (Map<String, Object> from : Tree.maps(rule, "from")) {
                    if (from.containsKey("podSelector")) {
                        assertThat(rendered.deploymentsMatching(Tree.map(from, "podSelector", "matchLabels"))).as(name(policy) + " from").isNotEmpty();
                    }
                }
                for (Map<String, Object> port : Tree.maps(rule, "ports")) {
                    assertThat(pods).as(name(policy) + " port " + port.get("port"))
                            .anySatisfy(d -> assertThat(Rendered.port(Rendered.container(d), port.get("port").toString())).isPresent());
                }
            }
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"cpu", "gpu"})
    void onlyTheCallersOfEachServiceMayReachIt(String overlay) {
        Map<String, Set<String>> expected = new java.util.TreeMap<>(Map.of(
                "gateway", Set.of("anyone:http", "anyone:grpc", "monitoring:http", "monitoring:management"),
                "encoder-service", Set.of("gateway:grpc", "extractor-service:grpc", "llm-service:grpc", "monitoring:http"),
                "extractor-service", Set.of("gateway:grpc", "monitoring:http"),
                "llm-service", Set.of("gateway:grpc", "monitoring:http")));
        if (overlay.equals("gpu")) {
            expected.put("triton", Set.of("encoder-service:grpc", "monitoring:metrics"));
            expected.put("triton-llm", Set.of("llm-service:grpc", "monitoring:metrics"));
        }
        assertThat(NetworkReach.of(Rendered.of(overlay))).isEqualTo(expected);
    }

    @ParameterizedTest
    @ValueSource(strings = {"cpu", "gpu"})
    void everyReferencedConfigMapSecretAndClaimExists(String overlay) {
        Rendered rendered = Rendered.of(overlay);
        for (Map<String, Object> deployment : rendered.ofKind("Deployment")) {
            Map<String, Object> pod = Rendered.podSpec(deployment);
            for (Map<String, Object> container : Tree.maps(pod, "containers")) {
                for (Map<String, Object> from : Tree.maps(container, "envFrom")) {
                    assertThat(rendered.find("ConfigMap", Tree.string(from, "configMapRef", "name"))).as(name(deployment)).isPresent();
                }
                for (Map<String, Object> env : Tree.maps(container, "env")) {
                    String secret = Tree.string(env, "valueFrom", "secretKeyRef", "name");
                    if (secret != null) {
                        Map<String, Object> data = Tree.map(rendered.get("Secret", secret), "stringData");
                        assertThat(data).as(name(deployment) + " " + secret).containsKey(Tree.string(env, "valueFrom", "secretKeyRef", "key"));
                    }
                }
            }
            for (Map<String, Object> volume : Tree.maps(pod, "volumes")) {
                Optional.ofNullable(Tree.string(volume, "persistentVolumeClaim", "claimName"))
                        .ifPresent(claim -> assertThat(rendered.find("PersistentVolumeClaim", claim)).as(name(deployment)).isPresent());
                Optional.ofNullable(Tree.string(volume, "configMap", "name"))
                        .ifPresent(map -> assertThat(rendered.find("ConfigMap", map)).as(name(deployment)).isPresent());
                Optional.ofNullable(Tree.string(volume, "secret", "secretName"))
                        .ifPresent(secret -> assertThat(rendered.find("Secret", secret)).as(name(deployment)).isPresent());
            }
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"cpu", "gpu"})
    void theGatewayResolvesEachBackendThroughAHeadlessServiceOnItsGrpcPort(String overlay) {
        Rendered rendered = Rendered.of(overlay);
        Map<String, Object> gateway = Rendered.container(rendered.get("Deployment", "gateway"));
        Map<String, String> backends = Map.of("OSPREY_GATEWAY_ENCODERS", "encoder-service", "OSPREY_GATEWAY_EXTRACTORS", "extractor-service",
                "OSPREY_GATEWAY_LLMS", "llm-service");
        for (var backend : backends.entrySet()) {
            String address = rendered.env(gateway, backend.getKey()).orElseThrow();
            assertThat(address).startsWith("dns:///");
            String[] hostPort = address.substring("dns:///".length()).split(":");
            Map<String, Object> service = rendered.get("Service", hostPort[0]);
            assertThat(Tree.string(service, "spec", "clusterIP")).as(hostPort[0]).isEqualTo("None");
            assertThat(Tree.at(service, "spec", "publishNotReadyAddresses")).as(hostPort[0]).isEqualTo(false);
            // DNS of a headless Service yields pod addresses: the port must be the pods' own gRPC port.
            List<Map<String, Object>> pods = rendered.deploymentsMatching(Tree.map(service, "spec", "selector"));
            assertThat(pods).extracting(OverlayWiringTest::name).containsExactly(backend.getValue());
            assertThat(Rendered.port(Rendered.container(pods.get(0)), "grpc")).contains(Integer.parseInt(hostPort[1]));
        }
        assertThat(rendered.env(gateway, "OSPREY_GATEWAY_API_KEYS")).isEmpty(); // from the Secret, not a literal
        assertThat(Tree.maps(gateway, "env")).anySatisfy(e -> {
            assertThat(e.get("name")).isEqualTo("OSPREY_GATEWAY_API_KEYS");
            assertThat(Tree.string(e, "valueFrom", "secretKeyRef", "name")).isEqualTo("gateway-api-keys");
        });
    }

    @ParameterizedTest
    @ValueSource(strings = {"cpu", "gpu"})
    void extractorAndLlmReachTheEncoderAtAServiceOnItsGrpcPortAndAcceptOnlyTheReplicasTheGatewayRoutesTo(String overlay) {
        Rendered rendered = Rendered.of(overlay);
        String gatewayEncoders = rendered.env(Rendered.container(rendered.get("Deployment", "gateway")), "OSPREY_GATEWAY_ENCODERS").orElseThrow();
        for (String caller : List.of("extractor-service", "llm-service")) {
            Map<String, Object> container = Rendered.container(rendered.get("Deployment", caller));
            String address = rendered.env(container, "OSPREY_ENCODERCLIENT_ADDRESS").orElseThrow();
            assertThat(ServiceAddress.resolve(rendered, address)).as(caller).isEqualTo("encoder-service:grpc");
            assertThat(rendered.env(container, "OSPREY_ENCODERCLIENT_REPLICAS")).as(caller).contains(gatewayEncoders);
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"cpu", "gpu"})
    void everyServiceReadsTheInternalTokenFromTheSharedSecretMountedAsAFile(String overlay) {
        Rendered rendered = Rendered.of(overlay);
        Map<String, Object> secret = rendered.get("Secret", "osprey-internal-token");
        assertThat(Tree.map(secret, "stringData")).containsOnlyKeys("token");
        for (String service : Rendered.SERVICES) {
            Map<String, Object> deployment = rendered.get("Deployment", service);
            Map<String, Object> container = Rendered.container(deployment);
            assertThat(rendered.env(container, "OSPREY_INTERNAL_TOKEN")).as(service + ": never in the environment").isEmpty();
            String file = rendered.env(container, "OSPREY_INTERNAL_TOKEN_FILE").orElseThrow(() -> new AssertionError(service + " has no token file"));
            Map<String, Object> volume = Tree.maps(Rendered.podSpec(deployment), "volumes").stream()
                    .filter(v -> "osprey-internal-token".equals(Tree.string(v, "secret", "secretName"))).findFirst()
                    .orElseThrow(() -> new AssertionError(service + " mounts no internal token"));
            Map<String, Object> mount = Tree.maps(container, "volumeMounts").stream().filter(m -> volume.get("name").equals(m.get("name")))
                    .findFirst().orElseThrow(() -> new AssertionError(service + " does not mount " + volume.get("name")));
            assertThat(mount.get("readOnly")).as(service).isEqualTo(true);
            assertThat(file).as(service).isEqualTo(mount.get("mountPath") + "/token");
            if (!service.equals("gateway")) {
                // A backend beyond loopback starts only with the token; here it listens on the Pod IP.
                assertThat(rendered.env(container, "SPRING_GRPC_SERVER_HOST")).as(service).contains("0.0.0.0");
                assertThat(rendered.env(container, "SERVER_ADDRESS")).as(service).contains("0.0.0.0");
            }
        }
    }

    static String name(Map<String, Object> object) {
        return Tree.string(object, "metadata", "name");
    }

    static Set<String> names(List<Map<String, Object>> objects) {
        return objects.stream().map(OverlayWiringTest::name).collect(Collectors.toSet());
    }
}
