package dev.osprey.model.pipeline;

import static org.assertj.core.api.Assertions.assertThat;

import dev.osprey.model.decode.Cancellation;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The bound on prefills at once: the next waits for a turn, and one cancelled while it waits leaves without a turn. */
class PrefillGateTest {

    private static final long PATIENCE_SECONDS = 60;

    // Threads of its own: the common pool may have a single thread on two cores, and a waiting prefill blocks one.
    private final ExecutorService prefills = Executors.newCachedThreadPool();

    @AfterEach
    void stop() {
        prefills.shutdownNow();
    }

    @Test
    void aPrefillBeyondTheBoundWaitsForATurnAndACancelledOneLeavesWithoutOne() throws Exception {
        PrefillGate gate = new PrefillGate(1);
        assertThat(gate.enter(Cancellation.NONE)).isTrue();
        CompletableFuture<Boolean> next = CompletableFuture.supplyAsync(() -> gate.enter(Cancellation.NONE), prefills);
        try (Cancellation cancellation = new Cancellation()) {
            CompletableFuture<Boolean> cancelled = CompletableFuture.supplyAsync(() -> gate.enter(cancellation), prefills);
            cancellation.cancel();
            assertThat(cancelled.get(PATIENCE_SECONDS, TimeUnit.SECONDS)).as("the cancelled one got a turn").isFalse();
        }
        assertThat(next).as("a second prefill while the first runs").isNotDone();

        gate.leave();
        assertThat(next.get(PATIENCE_SECONDS, TimeUnit.SECONDS)).isTrue();
        gate.leave();
        assertThat(CompletableFuture.supplyAsync(() -> gate.enter(Cancellation.NONE), prefills).get(PATIENCE_SECONDS, TimeUnit.SECONDS))
                .as("a turn after both left: the cancelled one kept none").isTrue();
    }
}
