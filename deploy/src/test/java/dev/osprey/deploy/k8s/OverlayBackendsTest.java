package dev.osprey.deploy.k8s;

import static org.assertj.core.api.Assertions.assertThat;

import dev.osprey.deploy.Tree;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The cpu overlay runs the vision model in the encoder; the gpu overlay on Triton on GPU nodes (the LLM: OverlayLanguageModelTest). */
class OverlayBackendsTest {

    @Test
    void cpuHasNoTritonAndEncodesInProcess() {
        Rendered cpu = Rendered.of("cpu");
        assertThat(cpu.find("Deployment", "triton")).isEmpty();
        assertThat(cpu.env(Rendered.container(cpu.get("Deployment", "encoder-service")), "OSPREY_ENCODER_BACKEND")).contains("embedded");
        assertThat(cpu.objects().toString()).doesNotContain("nvidia.com/gpu");
    }

    @Test
    void gpuRunsTritonOnAGpuNodeWithTheBundlesModelRepository() {
        Rendered gpu = Rendered.of("gpu");
        Map<String, Object> triton = gpu.get("Deployment", "triton");
        Map<String, Object> container = Rendered.container(triton);
        assertThat(Tree.map(container, "resources", "limits")).containsEntry("nvidia.com/gpu", 1);
        assertThat(Tree.map(container, "resources", "requests")).containsEntry("nvidia.com/gpu", 1);
        assertOnGpuNodes(triton);
        assertThat(container.get("image")).isEqualTo("nvcr.io/nvidia/tritonserver:25.10-py3");
        assertThat(Tree.list(container, "args")).contains("--model-repository=/models");
        Map<String, Object> mount = Tree.maps(container, "volumeMounts").stream().filter(m -> "/models".equals(m.get("mountPath"))).findFirst().orElseThrow();
        assertThat(mount).containsEntry("subPath", "triton").containsEntry("readOnly", true);
        assertThat(Tree.maps(Rendered.podSpec(triton), "volumes")).anySatisfy(v -> {
            assertThat(v.get("name")).isEqualTo(mount.get("name"));
            assertThat(Tree.string(v, "persistentVolumeClaim", "claimName")).isEqualTo("osprey-bundle");
        });
        assertThat(Tree.string(container, "readinessProbe", "httpGet", "path")).isEqualTo("/v2/health/ready");
        assertThat(Tree.string(container, "livenessProbe", "httpGet", "path")).isEqualTo("/v2/health/live");
        assertThat(Rendered.port(container, "triton-http")).contains(8000);
        assertThat(Rendered.port(container, "grpc")).contains(8001);
        assertThat(Rendered.port(container, "metrics")).contains(8002);
        assertThat(Tree.map(triton, "spec", "template", "metadata", "annotations")).containsEntry("prometheus.io/port", "8002");
        assertThat(Tree.string(gpu.get("HorizontalPodAutoscaler", "triton"), "spec", "metrics"))
                .contains("nv_inference_queue_us_per_request");
    }

    @Test
    void gpuEncoderCallsTritonsGrpcPort() {
        Rendered gpu = Rendered.of("gpu");
        Map<String, Object> encoder = Rendered.container(gpu.get("Deployment", "encoder-service"));
        assertThat(gpu.env(encoder, "OSPREY_ENCODER_BACKEND")).contains("triton");
        assertThat(ServiceAddress.resolve(gpu, gpu.env(encoder, "OSPREY_ENCODER_TRITON_ADDRESS").orElseThrow())).isEqualTo("triton:grpc");
    }

    private static void assertOnGpuNodes(Map<String, Object> deployment) {
        Map<String, Object> pod = Rendered.podSpec(deployment);
        assertThat(Tree.map(pod, "nodeSelector")).containsEntry("nvidia.com/gpu.present", "true");
        assertThat(Tree.maps(pod, "tolerations")).anySatisfy(t -> {
            assertThat(t.get("key")).isEqualTo("nvidia.com/gpu");
            assertThat(t.get("effect")).isEqualTo("NoSchedule");
        });
    }
}
