package dev.osprey.llm;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.core.env.StandardEnvironment;
import org.springframework.core.env.SystemEnvironmentPropertySource;

/** The backend settings: the README's defaults, and the environment variables the compose file and k8s overlay set. */
class LlmPropertiesTest {

    @Test
    void unsetTheLanguageModelRunsEmbeddedAndTritonHasTheDocumentedDefaults() {
        LlmProperties defaults = bind(Map.of());

        assertThat(defaults.backend()).isEqualTo(LlmProperties.Backend.EMBEDDED);
        assertThat(defaults.triton()).isEqualTo(new LlmProperties.Triton("localhost:8001", "tensorrt_llm", Duration.ofSeconds(10)));
    }

    @Test
    void theDeploymentsVariablesSelectTritonTrtllmAtItsAddress() {
        LlmProperties set = bind(Map.of("OSPREY_LLM_BACKEND", "triton-trtllm", "OSPREY_LLM_TRITON_ADDRESS", "triton-llm:8001"));

        assertThat(set.backend()).isEqualTo(LlmProperties.Backend.TRITON_TRTLLM);
        assertThat(set.triton().address()).isEqualTo("triton-llm:8001");
    }

    private static LlmProperties bind(Map<String, Object> variables) {
        StandardEnvironment environment = new StandardEnvironment();
        // In place of this machine's environment, as Spring reads a process's.
        String name = StandardEnvironment.SYSTEM_ENVIRONMENT_PROPERTY_SOURCE_NAME;
        environment.getPropertySources().replace(name, new SystemEnvironmentPropertySource(name, variables));
        return Binder.get(environment).bindOrCreate("osprey.llm", LlmProperties.class);
    }
}
