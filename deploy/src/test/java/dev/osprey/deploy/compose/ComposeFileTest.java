package dev.osprey.deploy.compose;

import static org.assertj.core.api.Assertions.assertThat;

import dev.osprey.deploy.Repo;
import dev.osprey.deploy.Tree;
import dev.osprey.deploy.Yaml;
import java.io.IOException;
import java.nio.file.Files;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** docker-compose.yml wires Triton, the four services, the upload store and Prometheus consistently with the code (Grafana: ComposeMonitoringTest). */
class ComposeFileTest {

    private static final List<String> SERVICES = List.of("encoder-service", "extractor-service", "llm-service", "gateway");
    private static final List<String> MODEL_SERVICES = List.of("encoder-service", "extractor-service", "llm-service");
    private final ComposeFile compose = ComposeFile.read(Repo.root().resolve("docker-compose.yml"));

    @Test
    void runsTritonTheFourServicesTheUploadStorePrometheusAndGrafana() {
        assertThat(compose.services().keySet()).containsExactlyInAnyOrder("triton", "encoder-service", "extractor-service", "llm-service",
                "gateway", "minio", "minio-init", "prometheus", "grafana");
    }

    @Test
    void theEncoderKeepsUploadsInTheBucketTheInitMakesWithTheStoresOwnCredentials() {
        Map<String, Object> encoder = Tree.map(compose.service("encoder-service"), "environment");
        assertThat(encoder).containsEntry("OSPREY_ENCODER_UPLOADS_BACKEND", "s3").containsEntry("OSPREY_ENCODER_UPLOADS_S3_ENDPOINT", "http://minio:9000")
                .containsEntry("OSPREY_ENCODER_UPLOADS_S3_PATHSTYLE", "true");
        String bucket = compose.string("encoder-service", "environment", "OSPREY_ENCODER_UPLOADS_S3_BUCKET");
        String init = String.join(" ", compose.strings("minio-init", "command"));
        assertThat(init).contains("http://minio:9000", "mc mb --ignore-existing store/" + bucket,
                "mc ilm rule add --prefix " + Repo.serviceProperties("encoder-service").getProperty("osprey.encoder.uploads.s3.prefix"));
        assertThat(Tree.string(compose.service("encoder-service"), "depends_on", "minio-init", "condition")).isEqualTo("service_completed_successfully");
        assertThat(Tree.string(compose.service("minio-init"), "depends_on", "minio", "condition")).isEqualTo("service_healthy");
        // The same variables give the store its root user and the encoder and the init their keys; the secret has no default.
        assertThat(compose.string("encoder-service", "environment", "OSPREY_ENCODER_UPLOADS_S3_ACCESSKEY"))
                .isEqualTo(compose.string("minio", "environment", "MINIO_ROOT_USER")).isEqualTo("osprey");
        assertThat(compose.string("encoder-service", "environment", "OSPREY_ENCODER_UPLOADS_S3_SECRETKEY"))
                .isEqualTo(compose.string("minio", "environment", "MINIO_ROOT_PASSWORD")).isEqualTo("$OSPREY_S3_SECRET_KEY");
        assertThat(compose.strings("minio", "volumes")).containsExactly("uploads-data:/data");
        assertThat(Tree.map(compose.content(), "volumes")).containsKey("uploads-data");
        assertThat(compose.service("minio")).as("reached on the compose network only").doesNotContainKey("ports");
        assertThat(compose.strings("minio", "healthcheck", "test")).contains("mc", "ready", "local");
    }

    @Test
    void eachServiceRunsItsImageOnItsPortsHardenedWithAReadinessCheck() {
        for (String service : SERVICES) {
            assertThat(compose.string(service, "image")).isEqualTo("osprey/" + service + ":" + Repo.version());
            int http = Repo.httpPort(service);
            int grpc = Repo.grpcPort(service);
            int actuator = Repo.actuatorPort(service);
            if (service.equals("gateway")) {
                assertThat(compose.strings(service, "ports")).containsExactlyInAnyOrder(http + ":" + http, grpc + ":" + grpc);
                assertThat(compose.strings(service, "expose")).as("Actuator stays inside").containsExactly(Integer.toString(actuator));
                assertThat(actuator).isNotEqualTo(http);
            } else {
                assertThat(compose.strings(service, "expose")).containsExactlyInAnyOrder(Integer.toString(http), Integer.toString(grpc));
                assertThat(compose.service(service)).as(service + " is reached through the gateway only").doesNotContainKey("ports");
            }
            assertThat(String.join(" ", compose.strings(service, "healthcheck", "test")))
                    .contains("/dev/tcp/127.0.0.1/" + actuator, "GET /actuator/health/readiness");
            assertThat(compose.service(service)).containsEntry("read_only", true);
            assertThat(compose.strings(service, "cap_drop")).containsExactly("ALL");
            assertThat(compose.strings(service, "security_opt")).contains("no-new-privileges:true");
            // Native libraries are extracted to /tmp and loaded from there: it must not be noexec.
            assertThat(compose.strings(service, "tmpfs")).singleElement().asString().startsWith("/tmp:").contains("exec").doesNotContain("noexec");
            long drain = Repo.seconds(Repo.serviceProperties(service).getProperty("spring.grpc.server.shutdown-grace-period"));
            assertThat(Repo.seconds(compose.string(service, "stop_grace_period"))).isGreaterThan(drain);
        }
    }

    @Test
    void modelServicesMountTheBundleReadOnlyAndTritonServesItsRepository() throws IOException {
        for (String service : MODEL_SERVICES) {
            assertThat(compose.strings(service, "volumes")).containsExactly("$OSPREY_BUNDLE:/models/bundle:ro");
        }
        assertThat(compose.service("gateway")).doesNotContainKey("volumes");
        assertThat(compose.strings("triton", "volumes")).containsExactly("$OSPREY_BUNDLE/triton:/models:ro");
        assertThat(compose.strings("triton", "command")).startsWith("tritonserver").contains("--model-repository=/models");
        Matcher tested = Pattern.compile("\"(nvcr\\.io/nvidia/tritonserver:[^\"]+)\"").matcher(Files.readString(
                Repo.root().resolve("encoder-service/src/test/java/dev/osprey/encoder/triton/TritonContainerTest.java")));
        assertThat(tested.find()).isTrue();
        assertThat(compose.string("triton", "image")).isEqualTo(tested.group(1));
        assertThat(compose.strings("triton", "expose")).contains("8000", "8001", "8002");
        assertThat(String.join(" ", compose.strings("triton", "healthcheck", "test"))).contains("/dev/tcp/127.0.0.1/8000", "GET /v2/health/ready");
    }

    @Test
    void servicesCallEachOtherOnTheirGrpcPorts() {
        assertThat(compose.string("encoder-service", "environment", "OSPREY_ENCODER_BACKEND")).isEqualTo("triton");
        assertThat(compose.string("encoder-service", "environment", "OSPREY_ENCODER_TRITON_ADDRESS")).isEqualTo("triton:8001");
        String encoder = "encoder-service:" + Repo.grpcPort("encoder-service");
        for (String service : List.of("extractor-service", "llm-service")) {
            assertThat(compose.string(service, "environment", "OSPREY_ENCODERCLIENT_ADDRESS")).isEqualTo(encoder);
            // The encoders a request may name are those the gateway routes to.
            assertThat(compose.string(service, "environment", "OSPREY_ENCODERCLIENT_REPLICAS")).isEqualTo("dns:///" + encoder);
        }
        assertThat(compose.string("gateway", "environment", "OSPREY_GATEWAY_ENCODERS")).isEqualTo("dns:///" + encoder);
        assertThat(compose.string("gateway", "environment", "OSPREY_GATEWAY_EXTRACTORS"))
                .isEqualTo("dns:///extractor-service:" + Repo.grpcPort("extractor-service"));
        assertThat(compose.string("gateway", "environment", "OSPREY_GATEWAY_LLMS")).isEqualTo("dns:///llm-service:" + Repo.grpcPort("llm-service"));
        assertThat(compose.service("gateway")).containsKey("environment");
        assertThat(Tree.map(compose.service("gateway"), "environment")).containsKey("OSPREY_GATEWAY_API_KEYS");
    }

    @Test
    void everyServiceReadsTheInternalTokenFromOneSecretAndBackendsListenBeyondLoopbackOnlyWithIt() {
        assertThat(ComposeFile.interpolate(Tree.string(compose.content(), "secrets", "internal-token", "file"))).isEqualTo("$OSPREY_INTERNAL_TOKEN_FILE");
        for (String service : SERVICES) {
            assertThat(compose.strings(service, "secrets")).as(service).containsExactly("internal-token");
            assertThat(compose.string(service, "environment", "OSPREY_INTERNAL_TOKEN_FILE")).as(service)
                    .isEqualTo("/run/secrets/internal-token");
            assertThat(Tree.map(compose.service(service), "environment")).as(service + ": no token in the environment")
                    .doesNotContainKey("OSPREY_INTERNAL_TOKEN");
        }
        for (String backend : MODEL_SERVICES) {
            assertThat(compose.string(backend, "environment", "SPRING_GRPC_SERVER_HOST")).as(backend).isEqualTo("0.0.0.0");
            assertThat(compose.string(backend, "environment", "SERVER_ADDRESS")).as(backend).isEqualTo("0.0.0.0");
        }
        assertThat(compose.service("triton")).doesNotContainKey("secrets");
        assertThat(compose.service("prometheus")).doesNotContainKey("secrets");
    }

    @Test
    void servicesStartOnceWhatTheyCallIsHealthy() {
        Map<String, List<String>> dependsOn = Map.of("encoder-service", List.of("triton", "minio-init"), "extractor-service", List.of("encoder-service"),
                "llm-service", List.of("encoder-service"), "gateway", List.of("encoder-service", "extractor-service", "llm-service"));
        for (var entry : dependsOn.entrySet()) {
            Map<String, Object> dependencies = Tree.map(compose.service(entry.getKey()), "depends_on");
            assertThat(dependencies.keySet()).as(entry.getKey()).containsExactlyInAnyOrderElementsOf(entry.getValue());
            for (String dependency : entry.getValue()) {
                if (dependency.equals("minio-init")) {
                    continue; // a one-off job: waited for until it has made the bucket (checked above)
                }
                assertThat(Tree.string(dependencies, dependency, "condition")).isEqualTo("service_healthy");
                assertThat(compose.service(dependency)).containsKey("healthcheck");
            }
        }
    }

    @Test
    void tritonReservesAGpuAndTheCpuVariantRunsTheCpuConfigWithout() {
        Map<String, Object> device = Tree.maps(compose.service("triton"), "deploy", "resources", "reservations", "devices").get(0);
        assertThat(device).containsEntry("driver", "nvidia").containsEntry("count", 1);
        assertThat(Tree.list(device, "capabilities")).containsExactly("gpu");

        ComposeFile cpu = ComposeFile.read(Repo.root().resolve("docker-compose.cpu.yml"));
        assertThat(cpu.services().keySet()).containsExactly("triton");
        assertThat(cpu.service("triton")).containsEntry("deploy", ComposeFile.Reset.RESET);
        List<String> command = cpu.strings("triton", "command");
        assertThat(command).contains("--model-config-name=cpu");
        assertThat(command.stream().filter(arg -> !arg.equals("--model-config-name=cpu")).toList())
                .isEqualTo(compose.strings("triton", "command"));
    }

    @Test
    void prometheusScrapesEveryReplicaOfEachServiceAndTriton() {
        assertThat(compose.strings("prometheus", "volumes")).contains("./deploy/prometheus/prometheus.yml:/etc/prometheus/prometheus.yml:ro");
        assertThat(Tree.map(compose.content(), "volumes")).containsKey("prometheus-data");
        Map<String, Object> config = Yaml.document(Repo.root().resolve("deploy/prometheus/prometheus.yml"));
        Map<String, Object> osprey = job(config, "osprey");
        assertThat(osprey.get("metrics_path")).isEqualTo("/actuator/prometheus");
        Map<String, Integer> targets = new java.util.HashMap<>();
        for (Map<String, Object> sd : Tree.maps(osprey, "dns_sd_configs")) {
            assertThat(sd.get("type")).isEqualTo("A");
            Tree.list(sd, "names").forEach(name -> targets.put(name.toString(), (Integer) sd.get("port")));
        }
        Map<String, Integer> expected = new java.util.HashMap<>();
        SERVICES.forEach(s -> expected.put(s, Repo.actuatorPort(s)));
        assertThat(targets).isEqualTo(expected);
        Map<String, Object> triton = job(config, "triton");
        assertThat(Tree.list(Tree.maps(triton, "static_configs").get(0), "targets")).containsExactly("triton:8002");
    }

    private static Map<String, Object> job(Map<String, Object> config, String name) {
        return Tree.maps(config, "scrape_configs").stream().filter(j -> name.equals(j.get("job_name"))).findFirst()
                .orElseThrow(() -> new AssertionError("no scrape job " + name));
    }
}
