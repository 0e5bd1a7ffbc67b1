package dev.osprey.llm;

import dev.osprey.llm.trtllm.TrtllmChat;
import dev.osprey.model.pipeline.ChatModel;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.HealthIndicator;

/**
 * Up once the language model can answer: always for the embedded decoder (loaded before the application
 * starts), and for Triton's TensorRT-LLM engine only while Triton answers ServerReady and ModelReady.
 * Part of the readiness group, so a replica whose Triton is down or still building its engine takes no
 * questions (and gRPC health says NOT_SERVING).
 */
class LanguageModelHealthIndicator implements HealthIndicator {

    private final ChatModel chat;

    LanguageModelHealthIndicator(ChatModel chat) {
        this.chat = chat;
    }

    @Override
    public Health health() {
        if (chat instanceof TrtllmChat trtllm) {
            return (trtllm.ready() ? Health.up() : Health.down()).withDetail("backend", "triton-trtllm")
                    .withDetail("address", trtllm.triton().address()).withDetail("model", trtllm.triton().model()).build();
        }
        return Health.up().withDetail("backend", "embedded").build();
    }
}
