package dev.osprey.model.pipeline;

import dev.osprey.model.error.OspreyException;
import dev.osprey.model.text.PromptEncoder;
import dev.osprey.model.text.PromptIds;
import java.util.ArrayList;
import java.util.List;

/**
 * Questions → prompts for a language model with a given number of image tokens and context limit:
 * a task's one prompt per region, a free prompt's one, and the context budget check. Shared by every
 * {@link ChatModel}, wherever it decodes.
 */
public final class ChatPrompts {

    private final PromptEncoder encoder;
    private final int imageTokens;
    private final int maxContext;

    /**
     * @param imageTokens image tokens per image (they replace the image sentinel)
     * @param maxContext  positions the model attends over: prompt, image tokens and generated ids
     */
    public ChatPrompts(PromptEncoder encoder, int imageTokens, int maxContext) {
        this.encoder = encoder;
        this.imageTokens = imageTokens;
        this.maxContext = maxContext;
    }

    /** See {@link ChatModel#prompts}. */
    public RegionChat.Prompts prompts(Question question, int regionCount) {
        List<PromptIds> encoded = switch (question) {
            case Question.Task task -> {
                TaskRegions.require("masks", regionCount);
                List<PromptIds> perRegion = new ArrayList<>(regionCount);
                for (int q = 0; q < regionCount; q++) {
                    perRegion.add(encoder.task(task.task(), q));
                }
                yield perRegion;
            }
            case Question.Prompt prompt -> List.of(encoder.free(prompt.history(), prompt.text(), regionCount));
        };
        int length = encoded.getFirst().ids().length - 1 + imageTokens;
        for (PromptIds ids : encoded) {
            if (ids.ids().length - 1 + imageTokens != length) {
                throw new IllegalStateException("the prompts of one batch differ in length");
            }
        }
        return new RegionChat.Prompts(question instanceof Question.Task, encoded, regionCount, length);
    }

    /** See {@link ChatModel#requireContext}. */
    public void requireContext(RegionChat.Prompts prompts, int maxNewTokens) {
        long needed = (long) prompts.length() + maxNewTokens;
        if (needed > maxContext) {
            throw OspreyException.badInput("the prompt (" + (prompts.length() - imageTokens) + " tokens) + " + imageTokens
                    + " image tokens + max_new_tokens " + maxNewTokens + " = " + needed + " exceeds the context limit of " + maxContext
                    + " by " + (needed - maxContext) + "; lower max_new_tokens or shorten the prompt");
        }
    }
}
