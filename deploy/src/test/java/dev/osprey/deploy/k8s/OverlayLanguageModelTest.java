package dev.osprey.deploy.k8s;

import static org.assertj.core.api.Assertions.assertThat;

import dev.osprey.deploy.Tree;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The cpu overlay decodes inside llm-service; the gpu overlay on Triton-LLM, a TensorRT-LLM Triton of its
 * own whose init container builds the engine on the pod's GPU, scaled apart from the vision Triton.
 */
class OverlayLanguageModelTest {

    static final String TRTLLM_IMAGE = "nvcr.io/nvidia/tritonserver:25.10-trtllm-python-py3";
    /** Where the model repository's gpt_model_path expects the engine (osprey convert --target triton-trtllm). */
    static final String ENGINE_DIR = "/engines/tensorrt_llm";

    @Test
    void cpuHasNoTritonLlmAndDecodesInProcess() {
        Rendered cpu = Rendered.of("cpu");
        assertThat(cpu.find("Deployment", "triton-llm")).isEmpty();
        assertThat(cpu.env(Rendered.container(cpu.get("Deployment", "llm-service")), "OSPREY_LLM_BACKEND")).isEmpty();
    }

    @Test
    void tritonLlmServesTheConvertedRepositoryOnAGpuOfItsOwn() {
        Map<String, Object> deployment = Rendered.of("gpu").get("Deployment", "triton-llm");
        Map<String, Object> container = Rendered.container(deployment);
        assertThat(container.get("image")).isEqualTo(TRTLLM_IMAGE);
        assertClaimsOneGpu(container);
        Map<String, Object> pod = Rendered.podSpec(deployment);
        assertThat(Tree.map(pod, "nodeSelector")).containsEntry("nvidia.com/gpu.present", "true");
        assertThat(Tree.list(container, "args")).contains("--model-repository=/osprey/trtllm/triton");
        assertThat(mount(container, "/osprey/trtllm")).containsEntry("subPath", "trtllm").containsEntry("readOnly", true);
        assertThat(volume(pod, mount(container, "/osprey/trtllm"))).containsEntry("persistentVolumeClaim",
                Map.of("claimName", "osprey-bundle", "readOnly", true));
        assertThat(volume(pod, mount(container, "/engines"))).containsKey("emptyDir");
        assertThat(Tree.string(container, "readinessProbe", "httpGet", "path")).isEqualTo("/v2/health/ready");
        assertThat(Rendered.port(container, "grpc")).contains(8001);
        assertThat(Rendered.port(container, "metrics")).contains(8002);
        assertThat(Tree.map(deployment, "spec", "template", "metadata", "annotations")).containsEntry("prometheus.io/port", "8002");
        assertThat(volume(pod, mount(container, "/dev/shm"))).containsEntry("emptyDir", Map.of("medium", "Memory", "sizeLimit", "2Gi"));
    }

    @Test
    void theInitContainerBuildsTheEngineOnThePodsGpuWhereTritonLoadsIt() {
        Map<String, Object> deployment = Rendered.of("gpu").get("Deployment", "triton-llm");
        Map<String, Object> pod = Rendered.podSpec(deployment);
        List<Map<String, Object>> inits = Tree.maps(pod, "initContainers");
        assertThat(inits).hasSize(1);
        Map<String, Object> build = inits.getFirst();
        assertThat(build.get("image")).isEqualTo(TRTLLM_IMAGE);
        assertClaimsOneGpu(build);
        assertThat(String.join(" ", Tree.list(build, "command").stream().map(Object::toString).toList()))
                .contains("sh /osprey/trtllm/build-engine.sh");
        Map<String, String> env = new HashMap<>();
        Tree.maps(build, "env").forEach(e -> env.put(e.get("name").toString(), e.get("value").toString()));
        assertThat(env).containsEntry("HF", "/osprey/trtllm/hf").containsEntry("ENGINE", ENGINE_DIR);
        assertThat(env.get("WORK")).startsWith("/tmp/");
        // The engine lands on the volume Triton mounts, under the path its configuration names.
        Map<String, Object> triton = Rendered.container(deployment);
        assertThat(mount(build, "/engines").get("name")).isEqualTo(mount(triton, "/engines").get("name"));
        assertThat(mount(build, "/engines")).doesNotContainKey("readOnly");
        assertThat(mount(triton, "/engines")).containsEntry("readOnly", true);
        assertThat(mount(build, "/osprey/trtllm")).isEqualTo(mount(triton, "/osprey/trtllm"));
    }

    @Test
    void theTwoGpuPoolsScaleApartOnTheirOwnMetrics() {
        Rendered gpu = Rendered.of("gpu");
        assertThat(metricNames(gpu.get("HorizontalPodAutoscaler", "triton-llm")))
                .containsExactlyInAnyOrder("nv_trt_llm_active_requests", "nv_trt_llm_waiting_requests");
        assertThat(metricNames(gpu.get("HorizontalPodAutoscaler", "triton"))).containsExactly("nv_inference_queue_us_per_request");
        assertThat(Tree.string(gpu.get("HorizontalPodAutoscaler", "triton-llm"), "spec", "scaleTargetRef", "name")).isEqualTo("triton-llm");
        assertThat(Tree.map(gpu.get("PodDisruptionBudget", "triton-llm"), "spec", "selector", "matchLabels"))
                .isEqualTo(Map.of("app.kubernetes.io/name", "triton-llm"));
        String rules = Tree.string(Rendered.of("monitoring").get("ConfigMap", "prometheus-adapter-osprey"), "data", "config.yaml");
        assertThat(rules).contains("nv_trt_llm_request_metrics{request_type=\"active\"", "nv_trt_llm_request_metrics{request_type=\"waiting\"");
    }

    @Test
    void llmServiceCallsTritonLlmFromTheCpuNodes() {
        Rendered gpu = Rendered.of("gpu");
        Map<String, Object> llm = gpu.get("Deployment", "llm-service");
        Map<String, Object> container = Rendered.container(llm);
        assertThat(gpu.env(container, "OSPREY_LLM_BACKEND")).contains("triton-trtllm");
        assertThat(ServiceAddress.resolve(gpu, gpu.env(container, "OSPREY_LLM_TRITON_ADDRESS").orElseThrow())).isEqualTo("triton-llm:grpc");
        assertThat(Rendered.podSpec(llm)).doesNotContainKey("nodeSelector");
        assertThat(llm.toString()).doesNotContain("nvidia.com/gpu");
        // The patch kept the rest of the llm config.
        assertThat(gpu.env(container, "OSPREY_ENCODERCLIENT_ADDRESS")).isPresent();
    }

    private static void assertClaimsOneGpu(Map<String, Object> container) {
        assertThat(Tree.map(container, "resources", "limits")).containsEntry("nvidia.com/gpu", 1);
        assertThat(Tree.map(container, "resources", "requests")).containsEntry("nvidia.com/gpu", 1);
    }

    private static Map<String, Object> mount(Map<String, Object> container, String path) {
        return Tree.maps(container, "volumeMounts").stream().filter(m -> path.equals(m.get("mountPath"))).findFirst()
                .orElseThrow(() -> new AssertionError(container.get("name") + " mounts nothing at " + path));
    }

    private static Map<String, Object> volume(Map<String, Object> pod, Map<String, Object> mount) {
        return Tree.maps(pod, "volumes").stream().filter(v -> mount.get("name").equals(v.get("name"))).findFirst()
                .orElseThrow(() -> new AssertionError("no volume " + mount.get("name")));
    }

    private static List<String> metricNames(Map<String, Object> hpa) {
        return Tree.maps(hpa, "spec", "metrics").stream().map(m -> Tree.string(m, "pods", "metric", "name")).toList();
    }
}
