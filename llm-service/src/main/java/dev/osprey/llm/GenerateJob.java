package dev.osprey.llm;

import dev.osprey.model.generate.GenerationRequest;
import dev.osprey.model.pipeline.RegionChat;
import dev.osprey.model.region.RegionTokens;

/**
 * A checked Generate request in the model's terms, ready to run.
 *
 * @param imageId        the image the question is about
 * @param encoderAddress the encoder that owns the image ("" = the configured default)
 * @param regions        the region tokens, in {@code <regionN>} order
 * @param prompts        the question, encoded and checked against the context
 * @param request        sampling, token limit and stop strings
 */
record GenerateJob(String imageId, String encoderAddress, RegionTokens regions, RegionChat.Prompts prompts, GenerationRequest request) {

    /** Sequences this job decodes together: a task's regions, or the one prompt. */
    int sequences() {
        return prompts.ids().size();
    }
}
