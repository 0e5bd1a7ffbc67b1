package dev.osprey.model.pipeline;

import dev.osprey.model.error.OspreyException;

/**
 * A task ({@link Question.Task}) is asked about each region, so a task without regions has nothing to
 * answer. The rule and its message live here once: the gateway checks it before any backend works,
 * the llm-service before it generates, {@link RegionChat} for everyone else.
 */
public final class TaskRegions {

    private TaskRegions() {
    }

    /**
     * @param field       the caller's name for the regions ("regions", "region_tokens", "masks"); the message starts with it
     * @param regionCount the regions the task would be asked about
     * @throws OspreyException BAD_INPUT when there are none
     */
    public static void require(String field, int regionCount) {
        if (regionCount < 1) {
            throw OspreyException.badInput(field + ": a task is asked about each region; give at least one mask");
        }
    }
}
