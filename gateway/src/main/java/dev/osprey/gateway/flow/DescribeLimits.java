package dev.osprey.gateway.flow;

import java.time.Duration;

/**
 * How "describe everything" runs: how many masks it describes at most, how they go to the language
 * model, and how long the whole call may take.
 *
 * @param maxMasks       masks described per call, at most (and by default)
 * @param masksPerAsk    masks asked about in one question (one extraction, one generation of that many answers)
 * @param concurrentAsks questions in flight at once; the llm-service decodes concurrent answers in one shared batch,
 *                       so masksPerAsk x concurrentAsks answers decode together
 * @param deadline       for the whole call: segmentation and every description
 */
public record DescribeLimits(int maxMasks, int masksPerAsk, int concurrentAsks, Duration deadline) {

    public DescribeLimits {
        if (maxMasks < 1 || masksPerAsk < 1 || concurrentAsks < 1) {
            throw new IllegalArgumentException("describe-all limits must be at least 1: max-masks " + maxMasks + ", masks-per-ask "
                    + masksPerAsk + ", concurrent-asks " + concurrentAsks);
        }
    }
}
