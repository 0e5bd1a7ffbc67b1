package dev.osprey.model.generate;

import java.time.Duration;

/**
 * What one sequence cost.
 *
 * @param promptTokens       positions of the prompt (image tokens included)
 * @param cachedPromptTokens of those, positions taken from a cached prefix instead of being computed
 * @param completionTokens   ids generated (an ending EOS included)
 * @param timeToFirstToken   from the start of generation (prefill included) to the first generated id; zero if none
 * @param total              from the start of generation to this sequence's end
 */
public record Usage(int promptTokens, int cachedPromptTokens, int completionTokens, Duration timeToFirstToken, Duration total) {
}
