package dev.osprey.model.pipeline;

import dev.osprey.model.generate.FinishReason;
import dev.osprey.model.generate.Usage;

/**
 * One answer of {@link RegionChat#answer} (and so of {@link OspreyPipeline#answer}). The arrays belong to this record; do not modify them.
 *
 * @param region       the 1-based mask a task answer is about; 0 for a free prompt
 * @param inputIds     the prompt ids as the reference forms them (-200 at the image, a
 *                     {@code <mask> <pos>} pair per region slot)
 * @param outputIds    the generated ids (an ending EOS included)
 * @param text         the decoded answer
 * @param finishReason why generation ended
 * @param usage        token counts and timings
 */
public record Answer(int region, int[] inputIds, int[] outputIds, String text, FinishReason finishReason, Usage usage) {
}
