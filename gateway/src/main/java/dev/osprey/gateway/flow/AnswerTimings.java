package dev.osprey.gateway.flow;

import dev.osprey.api.v1.AnswerEvent;
import dev.osprey.api.v1.Finished;
import java.util.HashMap;
import java.util.Map;

/**
 * Replaces each answer's usage times by those seen at the gateway, from the request's arrival there:
 * what the client waited, upload and region extraction included, with the gateway's stages in the
 * stage timings. One per stream of answers.
 */
final class AnswerTimings {

    private final long arrived;
    private final StageClock clock;
    private final Map<Integer, Long> firstPiece = new HashMap<>();

    /**
     * @param arrived {@link System#nanoTime()} when the request arrived
     * @param clock   the gateway's own stages (upload, extraction), added to each answer's stage timings
     */
    AnswerTimings(long arrived, StageClock clock) {
        this.arrived = arrived;
        this.clock = clock;
    }

    AnswerEvent apply(AnswerEvent event) {
        long now = System.nanoTime();
        if (event.hasPiece()) {
            firstPiece.putIfAbsent(event.getAnswerIndex(), now);
            return event;
        }
        if (!event.hasFinished()) {
            return event;
        }
        long first = firstPiece.getOrDefault(event.getAnswerIndex(), now);
        Finished finished = event.getFinished();
        return event.toBuilder().setFinished(finished.toBuilder().setUsage(finished.getUsage().toBuilder()
                .setTimeToFirstTokenMs((first - arrived) / 1e6).setTotalMs((now - arrived) / 1e6)
                .setTimings(clock.complete(finished.getUsage().getTimings())))).build();
    }
}
