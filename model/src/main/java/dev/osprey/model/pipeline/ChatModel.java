package dev.osprey.model.pipeline;

import dev.osprey.model.decode.Cancellation;
import dev.osprey.model.error.OspreyException;
import dev.osprey.model.generate.GenerationRequest;
import dev.osprey.model.region.RegionTokens;
import java.util.List;
import java.util.function.Supplier;

/**
 * The language half of Osprey as a service uses it, wherever the decoder runs: in this process
 * ({@link RegionChat}) or on a TensorRT-LLM engine behind Triton (llm-service's client). Either way
 * the prompts, the template and the answers' text are Osprey's own.
 */
public interface ChatModel extends AutoCloseable {

    /**
     * Encodes {@code question} for {@code regionCount} regions (referred to as {@code <regionN>} in
     * a free prompt and its history).
     *
     * @throws OspreyException BAD_INPUT for a task without regions, or a free prompt whose references
     *                         do not match the regions (naming the reference)
     */
    RegionChat.Prompts prompts(Question question, int regionCount);

    /**
     * Checks the context budget: prompt + image tokens + {@code maxNewTokens} must fit the model's limit.
     *
     * @throws OspreyException BAD_INPUT naming the overflow
     */
    void requireContext(RegionChat.Prompts prompts, int maxNewTokens);

    /** Image tokens per image: the rows the image-token supplier of {@link #answer} must give. */
    int imageTokens();

    /** The LLM's hidden size: the width of image and region tokens. */
    int hidden();

    /**
     * Answers the encoded question about the image {@code imageId}.
     *
     * @param imageTokens gives the image's [imageTokens, hidden] tokens, row-major; called at most once,
     *                    and only when they are needed (a cached prefix may make them unnecessary)
     * @param regions     the region tokens the prompts refer to, in {@code <regionN>} order
     * @return a task's answers, one per region in region order; a free prompt's single answer
     */
    List<Answer> answer(String imageId, Supplier<float[]> imageTokens, RegionTokens regions, RegionChat.Prompts prompts,
            GenerationRequest request);

    /**
     * Prepares for questions about {@code imageId} ahead of the first one, where the model keeps
     * something per image.
     *
     * @return whether this call did work that a later question reuses
     */
    boolean warm(String imageId, Supplier<float[]> imageTokens, Cancellation cancellation);

    /**
     * Forgets what is kept for {@code imageId}, e.g. when the image is deleted.
     *
     * @return how many entries were dropped
     */
    int forget(String imageId);

    @Override
    void close();
}
