package dev.osprey.model.pipeline;

import dev.osprey.model.error.OspreyException;
import dev.osprey.model.region.RegionTokens;
import dev.osprey.model.text.PromptEncoder;
import dev.osprey.model.text.PromptIds;
import java.util.ArrayList;
import java.util.List;

/**
 * Questions → prompts for a language model with a given number of image tokens, hidden size and
 * context limit: a task's one prompt per region, a free prompt's one, and the checks of the context
 * budget, the region tokens and the image tokens. Shared by every {@link ChatModel}, wherever it decodes.
 */
public final class ChatPrompts {

    private final PromptEncoder encoder;
    private final int imageTokens;
    private final int hidden;
    private final int maxContext;

    /**
     * @param imageTokens image tokens per image (they replace the image sentinel)
     * @param hidden      the LLM's hidden size: the width of image and region tokens
     * @param maxContext  positions the model attends over: prompt, image tokens and generated ids
     */
    public ChatPrompts(PromptEncoder encoder, int imageTokens, int hidden, int maxContext) {
        this.encoder = encoder;
        this.imageTokens = imageTokens;
        this.hidden = hidden;
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

    /**
     * Checks that {@code regions} are what the prompts refer to, at the model's width.
     *
     * @throws OspreyException BAD_INPUT naming the mismatch
     */
    public void requireRegions(RegionTokens regions, RegionChat.Prompts prompts) {
        if (regions.regions() != prompts.regions()) {
            throw OspreyException.badInput("the prompts refer to " + prompts.regions() + " region(s) but " + regions.regions()
                    + " region token pair(s) were given");
        }
        if (regions.regions() > 0 && regions.width() != hidden) {
            throw OspreyException.badInput("region tokens are " + regions.width() + " wide, the model's hidden size is " + hidden);
        }
    }

    /**
     * Checks that {@code image} holds one image's [imageTokens, hidden] tokens.
     *
     * @throws OspreyException BAD_INPUT naming the sizes
     */
    public void requireImageTokens(float[] image) {
        if (image == null || image.length != (long) imageTokens * hidden) {
            throw OspreyException.badInput("expected " + imageTokens + " x " + hidden + " image token values, got "
                    + (image == null ? "none" : image.length));
        }
    }
}
