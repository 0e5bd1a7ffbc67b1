package dev.osprey.model.generate;

/**
 * One generated sequence. The array belongs to this record; do not modify it.
 *
 * @param outputIds    the generated ids (an ending EOS included, as the reference returns them)
 * @param text         the decoded text (special ids skipped), without a stop string that ended it
 * @param finishReason why it ended
 * @param usage        token counts and timings
 */
public record Generation(int[] outputIds, String text, FinishReason finishReason, Usage usage) {
}
