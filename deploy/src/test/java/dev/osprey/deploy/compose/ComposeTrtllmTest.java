package dev.osprey.deploy.compose;

import static org.assertj.core.api.Assertions.assertThat;

import dev.osprey.deploy.Repo;
import dev.osprey.deploy.Tree;
import dev.osprey.deploy.Yaml;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * docker-compose.trtllm.yml puts the language model on Triton-LLM: a one-shot service builds the engine
 * on the host's GPU, Triton serves it from the converted repository, llm-service calls it.
 */
class ComposeTrtllmTest {

    private static final String TRTLLM_IMAGE = "nvcr.io/nvidia/tritonserver:25.10-trtllm-python-py3";
    private final ComposeFile trtllm = ComposeFile.read(Repo.root().resolve("docker-compose.trtllm.yml"));

    @Test
    void addsTheEngineBuildAndTritonLlmAndRewiresOnlyLlmService() {
        assertThat(trtllm.services().keySet()).containsExactlyInAnyOrder("triton-llm-engine", "triton-llm", "llm-service");
        assertThat(Tree.map(trtllm.service("llm-service"), "environment")).containsOnlyKeys("OSPREY_LLM_BACKEND", "OSPREY_LLM_TRITON_ADDRESS");
        assertThat(trtllm.string("llm-service", "environment", "OSPREY_LLM_BACKEND")).isEqualTo("triton-trtllm");
        assertThat(trtllm.string("llm-service", "environment", "OSPREY_LLM_TRITON_ADDRESS")).isEqualTo("triton-llm:8001");
        assertThat(Tree.string(trtllm.service("llm-service"), "depends_on", "triton-llm", "condition")).isEqualTo("service_healthy");
        // The base file's llm-service keeps its own image, volumes and health check: the override adds, never replaces.
        assertThat(trtllm.service("llm-service")).containsOnlyKeys("environment", "depends_on");
    }

    @Test
    void theEngineIsBuiltOnAGpuBeforeTritonLlmServesItFromTheConvertedRepository() {
        for (String service : new String[] {"triton-llm-engine", "triton-llm"}) {
            assertThat(trtllm.string(service, "image")).as(service).isEqualTo(TRTLLM_IMAGE);
            Map<String, Object> device = Tree.maps(trtllm.service(service), "deploy", "resources", "reservations", "devices").get(0);
            assertThat(device).as(service).containsEntry("driver", "nvidia").containsEntry("count", 1);
            assertThat(trtllm.strings(service, "volumes")).as(service).contains("$OSPREY_BUNDLE/trtllm:/osprey/trtllm:ro");
        }
        String build = String.join(" ", trtllm.strings("triton-llm-engine", "command"));
        assertThat(build).contains("sh /osprey/trtllm/build-engine.sh");
        assertThat(trtllm.string("triton-llm-engine", "environment", "ENGINE")).isEqualTo("/engines/tensorrt_llm");
        assertThat(trtllm.string("triton-llm-engine", "environment", "HF")).isEqualTo("/osprey/trtllm/hf");
        assertThat(trtllm.strings("triton-llm-engine", "volumes")).contains("trtllm-engines:/engines");
        assertThat(trtllm.strings("triton-llm", "volumes")).contains("trtllm-engines:/engines:ro");
        assertThat(Tree.map(trtllm.content(), "volumes")).containsKey("trtllm-engines");
        assertThat(Tree.string(trtllm.service("triton-llm"), "depends_on", "triton-llm-engine", "condition"))
                .isEqualTo("service_completed_successfully");
        assertThat(trtllm.strings("triton-llm", "command")).startsWith("tritonserver").contains("--model-repository=/osprey/trtllm/triton");
        assertThat(trtllm.strings("triton-llm", "expose")).contains("8001", "8002");
        assertThat(String.join(" ", trtllm.strings("triton-llm", "healthcheck", "test"))).contains("GET /v2/health/ready");
    }

    @Test
    void prometheusScrapesTritonLlmWhenItRuns() {
        Map<String, Object> config = Yaml.document(Repo.root().resolve("deploy/prometheus/prometheus.yml"));
        Map<String, Object> job = Tree.maps(config, "scrape_configs").stream().filter(j -> "triton-llm".equals(j.get("job_name"))).findFirst()
                .orElseThrow(() -> new AssertionError("no scrape job triton-llm"));
        Map<String, Object> sd = Tree.maps(job, "dns_sd_configs").getFirst();
        assertThat(Tree.list(sd, "names")).containsExactly("triton-llm");
        assertThat(sd).containsEntry("port", 8002);
    }
}
