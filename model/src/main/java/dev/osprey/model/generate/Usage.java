package dev.osprey.model.generate;

import java.time.Duration;

/**
 * What one sequence cost.
 *
 * @param promptTokens     positions of the prompt (image tokens included)
 * @param completionTokens ids generated (an ending EOS included)
 * @param timeToFirstToken from the start of generation to the first generated id; zero if none
 * @param total            from the start of generation to this sequence's end
 */
public record Usage(int promptTokens, int completionTokens, Duration timeToFirstToken, Duration total) {
}
