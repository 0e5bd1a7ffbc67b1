package dev.osprey.model.generate;

import java.time.Duration;

/**
 * One generated sequence. The array belongs to this record; do not modify it.
 *
 * @param outputIds    the generated ids (an ending EOS included, as the reference returns them)
 * @param text         the decoded text (special ids skipped), without a stop string that ended it
 * @param finishReason why it ended
 * @param usage        token counts and timings
 */
public record Generation(int[] outputIds, String text, FinishReason finishReason, Usage usage) {

    /** A sequence cancelled before its first id (before or during its prompt's prefill) after {@code took}. */
    public static Generation cancelledBeforeFirstToken(int promptTokens, Duration took) {
        return new Generation(new int[0], "", FinishReason.CANCELLED, new Usage(promptTokens, 0, 0, Duration.ZERO, took));
    }
}
