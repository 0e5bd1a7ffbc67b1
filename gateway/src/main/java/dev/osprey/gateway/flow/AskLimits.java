package dev.osprey.gateway.flow;

import java.time.Duration;

/**
 * What the gateway accepts in one request and how long it may take.
 *
 * @param maxImageBytes    the largest image, uploaded or sent with a question
 * @param maxRegions       regions per request
 * @param maxPromptChars   characters of a free prompt, and of each history turn
 * @param maxHistoryTurns  earlier turns per request
 * @param maxNewTokens     the largest max_new_tokens a client may ask for
 * @param allowEmptyMasks  whether a mask with no pixel inside is accepted
 * @param maxPoints        Segment Anything points per prompt (a region's, or a segment call's)
 * @param deadline         for a whole question, from arrival to the last token
 * @param uploadDeadline   for an upload (decode + encode)
 */
public record AskLimits(long maxImageBytes, int maxRegions, int maxPromptChars, int maxHistoryTurns, int maxNewTokens, boolean allowEmptyMasks,
        int maxPoints, Duration deadline, Duration uploadDeadline) {
}
