package dev.osprey.model.onnx;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.osprey.model.error.OspreyException;
import dev.osprey.model.error.Reason;
import dev.osprey.model.sam.SamGolden;
import dev.osprey.model.sam.SamInput;
import dev.osprey.model.sam.SamPredictor;
import dev.osprey.model.sam.SamPreprocessor;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** A session's close waits for its runs in flight, and a run after it fails clearly instead of crashing the JVM. */
class SessionRunsTest {

    @Test
    void theCloseWaitsForTheRunInFlightAndALaterRunFailsNamingTheModel() throws Exception {
        SessionRuns runs = new SessionRuns("the test model");
        List<String> order = new CopyOnWriteArrayList<>();
        CountDownLatch inside = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        CompletableFuture<Boolean> run = CompletableFuture.supplyAsync(() -> runs.run(() -> {
            inside.countDown();
            boolean released = awaitQuietly(release);
            order.add("run");
            return released;
        }));
        assertThat(inside.await(1, TimeUnit.MINUTES)).isTrue();
        Thread closer = new Thread(() -> runs.close(() -> order.add("close")));
        closer.start();
        while (closer.getState() != Thread.State.WAITING && closer.isAlive()) {
            Thread.onSpinWait();
        }
        assertThat(order).as("the close waits while the run is in flight").isEmpty();

        release.countDown();
        assertThat(run.get(1, TimeUnit.MINUTES)).isTrue();
        closer.join(TimeUnit.MINUTES.toMillis(1));
        assertThat(order).containsExactly("run", "close");
        assertThatThrownBy(() -> runs.run(() -> "late")).isInstanceOfSatisfying(OspreyException.class, e -> {
            assertThat(e.reason()).isEqualTo(Reason.UNAVAILABLE);
            assertThat(e.getMessage()).isEqualTo("the test model is closed: the service is shutting down");
        });
        runs.close(() -> order.add("again"));
        assertThat(order).as("closed once").containsExactly("run", "close");
    }

    private static boolean awaitQuietly(CountDownLatch latch) {
        try {
            return latch.await(1, TimeUnit.MINUTES);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    @Test
    void closingSamWhileItsImageEncoderRunsLetsTheRunFinish() throws Exception {
        SamPredictor sam = SamPredictor.open(SamGolden.tinyGraphs(), 1);
        SamInput input = new SamPreprocessor(sam.config()).prepare(SamGolden.image(SamGolden.images().findFirst().orElseThrow()));
        AtomicInteger embedded = new AtomicInteger();
        CountDownLatch first = new CountDownLatch(1);
        // Embeds until the close refuses it; before SessionRuns the close freed the session under a run (SIGSEGV).
        CompletableFuture<Throwable> embedding = CompletableFuture.supplyAsync(() -> {
            try {
                while (true) {
                    sam.embed(input);
                    embedded.incrementAndGet();
                    first.countDown();
                }
            } catch (OspreyException e) {
                return e;
            }
        });
        assertThat(first.await(1, TimeUnit.MINUTES)).isTrue();
        sam.close();
        assertThat(embedding.get(1, TimeUnit.MINUTES)).isInstanceOfSatisfying(OspreyException.class,
                e -> assertThat(e.reason()).isEqualTo(Reason.UNAVAILABLE));
        assertThat(embedded.get()).isPositive();
    }
}
