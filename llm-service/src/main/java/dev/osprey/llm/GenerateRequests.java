package dev.osprey.llm;

import dev.osprey.api.v1.Role;
import dev.osprey.api.v1.Sampling;
import dev.osprey.api.v1.Turn;
import dev.osprey.internal.v1.GenerateRequest;
import dev.osprey.model.error.OspreyException;
import dev.osprey.model.error.Reason;
import dev.osprey.model.generate.GenerationRequest;
import dev.osprey.model.generate.SamplingSettings;
import dev.osprey.model.pipeline.ChatModel;
import dev.osprey.model.pipeline.Question;
import dev.osprey.model.pipeline.RegionChat;
import dev.osprey.model.pipeline.TaskRegions;
import dev.osprey.model.region.RegionTokens;
import dev.osprey.model.text.FreePrompt;
import dev.osprey.model.text.TaskPrompt;
import dev.osprey.service.TensorMessages;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;

/**
 * Reads a Generate request into a {@link GenerateJob}, checking everything that can be checked
 * before generation: a BAD_INPUT error (INVALID_ARGUMENT) starts with the request field at fault.
 */
final class GenerateRequests {

    private final ChatModel chat;
    private final int defaultMaxNewTokens;

    /** @param defaultMaxNewTokens the token limit of a request that sets none */
    GenerateRequests(ChatModel chat, int defaultMaxNewTokens) {
        this.chat = chat;
        this.defaultMaxNewTokens = defaultMaxNewTokens;
    }

    GenerateJob read(GenerateRequest request) {
        imageId(request.getImageId());
        RegionTokens regions = regions(request);
        Question question = question(request);
        if (question instanceof Question.Task) {
            TaskRegions.require("region_tokens", regions.regions());
        }
        RegionChat.Prompts prompts = field("prompt", () -> chat.prompts(question, regions.regions()));
        // uint32 on the wire: values past Integer.MAX_VALUE fail the context check like any other too large value.
        int maxNewTokens = request.getMaxNewTokens() == 0 ? defaultMaxNewTokens
                : (int) Math.min(Integer.toUnsignedLong(request.getMaxNewTokens()), Integer.MAX_VALUE);
        field("max_new_tokens", () -> {
            chat.requireContext(prompts, maxNewTokens);
            return null;
        });
        SamplingSettings sampling = field("sampling", () -> sampling(request.getSampling()));
        GenerationRequest generation = field("stop",
                () -> GenerationRequest.of(sampling, maxNewTokens).withStopStrings(request.getStopList()));
        return new GenerateJob(request.getImageId(), request.getEncoderAddress(), regions, prompts, generation);
    }

    /** A request's image id, checked (Generate and Warm name the image alike). */
    String imageId(String imageId) {
        if (imageId.isBlank()) {
            throw OspreyException.badInput("image_id: is empty; pass the id that encoder-service's Encode returned");
        }
        return imageId;
    }

    private RegionTokens regions(GenerateRequest request) {
        int hidden = chat.hidden();
        if (!request.hasRegionTokens()) {
            return new RegionTokens(new float[0], new float[0], 0, hidden, new int[0][]);
        }
        float[] mask = TensorMessages.floats(request.getRegionTokens().getMaskTokens(), "region_tokens.mask_tokens", -1, hidden);
        int count = mask.length / hidden;
        float[] pos = TensorMessages.floats(request.getRegionTokens().getPosTokens(), "region_tokens.pos_tokens", count, hidden);
        return new RegionTokens(mask, pos, count, hidden, new int[count][]);
    }

    private static Question question(GenerateRequest request) {
        return switch (request.getQuestionCase()) {
            case TASK -> {
                if (request.getHistoryCount() > 0) {
                    throw OspreyException.badInput("history: only a free prompt continues a conversation; a task is asked on its own");
                }
                yield new Question.Task(task(request));
            }
            case PROMPT -> new Question.Prompt(history(request.getHistoryList()), request.getPrompt());
            case QUESTION_NOT_SET -> throw OspreyException.badInput("question: set either task or prompt");
        };
    }

    private static TaskPrompt task(GenerateRequest request) {
        return switch (request.getTask()) {
            case TASK_SHORT_DESCRIPTION -> TaskPrompt.SHORT;
            case TASK_DETAILED_DESCRIPTION -> TaskPrompt.DETAILED;
            case TASK_CATEGORY -> TaskPrompt.CATEGORY;
            case TASK_UNSPECIFIED, UNRECOGNIZED -> throw OspreyException.badInput("task: " + request.getTaskValue()
                    + " is not a task; use TASK_SHORT_DESCRIPTION, TASK_DETAILED_DESCRIPTION or TASK_CATEGORY");
        };
    }

    // Earlier turns alternate user, assistant, starting with the user; each pair is one exchange.
    private static List<FreePrompt.Turn> history(List<Turn> turns) {
        List<FreePrompt.Turn> exchanges = new ArrayList<>(turns.size() / 2);
        for (int i = 0; i < turns.size(); i++) {
            Role expected = i % 2 == 0 ? Role.ROLE_USER : Role.ROLE_ASSISTANT;
            if (turns.get(i).getRole() != expected) {
                throw OspreyException.badInput("history[" + i + "].role: " + turns.get(i).getRole() + " where " + expected
                        + " belongs; turns alternate user, assistant, starting with the user");
            }
            if (i % 2 == 1) {
                exchanges.add(new FreePrompt.Turn(turns.get(i - 1).getContent(), turns.get(i).getContent()));
            }
        }
        if (turns.size() % 2 == 1) {
            throw OspreyException.badInput("history: ends with a user turn without an answer; the new question goes in prompt");
        }
        return exchanges;
    }

    private static SamplingSettings sampling(Sampling sampling) {
        if (sampling.getGreedy()) {
            return SamplingSettings.greedy();
        }
        return SamplingSettings.orDefaults(
                sampling.hasTemperature() ? decimal(sampling.getTemperature()) : null,
                sampling.hasTopK() ? sampling.getTopK() : null,
                sampling.hasTopP() ? decimal(sampling.getTopP()) : null,
                sampling.hasSeed() ? sampling.getSeed() : null);
    }

    // The decimal the client wrote (0.2f becomes 0.2, not 0.20000000298), so settings equal the CLI's.
    private static double decimal(float value) {
        return Double.parseDouble(Float.toString(value));
    }

    // A model error about input is reported as an error in this request field.
    private static <T> T field(String name, Supplier<T> read) {
        try {
            return read.get();
        } catch (OspreyException e) {
            if (e.reason() != Reason.BAD_INPUT) {
                throw e;
            }
            throw new OspreyException(Reason.BAD_INPUT, name + ": " + e.getMessage(), e);
        }
    }
}
