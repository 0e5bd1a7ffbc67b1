package dev.osprey.model.decode;

import static org.assertj.core.api.Assertions.assertThat;

import dev.osprey.model.TinyBundle;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Closed caches leave their memory to the next ones, within the idle bound, and stale contents change nothing. */
class KvPoolTest {

    @RegisterExtension
    static final GoldenDecoder.Shared FP32 = new GoldenDecoder.Shared(DecoderPrecision.FP32);

    @Test
    void aCacheTakesTheSmallestIdleBlockThatFits() {
        KvPool pool = new KvPool(1 << 20);
        KvMemory small = pool.take(1000);
        KvMemory large = pool.take(4000);
        pool.give(large);
        pool.give(small);
        assertThat(pool.idleBytes()).isEqualTo(5000);
        assertThat(pool.take(900)).isSameAs(small);
        assertThat(pool.take(900)).as("only the large block is idle").isSameAs(large);
        assertThat(pool.take(900)).as("none idle: a new block").isNotSameAs(small).isNotSameAs(large);
        assertThat(pool.idleBytes()).isZero();
    }

    @Test
    void blocksBeyondTheIdleBoundAreLetGoTheLongestIdleFirst() {
        KvPool pool = new KvPool(2500);
        KvMemory first = pool.take(1000);
        KvMemory second = pool.take(1000);
        KvMemory third = pool.take(1000);
        pool.give(first);
        pool.give(second);
        pool.give(third);
        assertThat(pool.idleBytes()).isEqualTo(2000);
        assertThat(List.of(pool.take(1000), pool.take(1000))).containsExactly(second, third);
        pool.give(pool.take(100));
        pool.clear();
        assertThat(pool.idleBytes()).isZero();
    }

    @Test
    void theIdleBoundIsTheSessionsSetting() {
        for (long bound : new long[] {0, DecoderSession.DEFAULT_IDLE_KV_BYTES}) {
            try (DecoderSession session = TinyBundle.open().openDecoder(1, bound)) {
                session.newCache(1, 16).close();
                assertThat(session.idleKvBytes() > 0).as("a closed cache kept under a bound of %d bytes", bound).isEqualTo(bound > 0);
            }
        }
    }

    @Test
    void aReusedCacheAnswersAsAFreshOne() {
        DecoderSession session = FP32.get().session;
        List<GoldenRuns.Run> runs = GoldenRuns.all();
        InterleavedSequence shorter = runs.getFirst().assemble(FP32.get().table, GoldenRuns.tensors(runs.getFirst().caseName()));
        GoldenRuns.Run other = runs.getLast();
        InterleavedSequence longer = other.assemble(FP32.get().table, GoldenRuns.tensors(other.caseName()));
        int maxLength = Math.max(shorter.length(), longer.length()) + 8;
        float[] fresh;
        try (KvCache cache = session.newCache(1, maxLength)) {
            fresh = session.prefill(cache, shorter.embeds(), shorter.length(), Cancellation.NONE);
        }
        long idle = session.idleKvBytes();
        assertThat(idle).as("the closed cache's memory is kept").isPositive();
        try (KvCache cache = session.newCache(1, maxLength)) {
            assertThat(session.idleKvBytes()).as("and taken by the next cache").isLessThan(idle);
            session.prefill(cache, longer.embeds(), longer.length(), Cancellation.NONE);
        }
        float[] reused;
        try (KvCache cache = session.newCache(1, maxLength)) {
            // The memory still holds the longer prompt's keys and values beyond this prompt's positions.
            reused = session.prefill(cache, shorter.embeds(), shorter.length(), Cancellation.NONE);
        }
        assertThat(reused).containsExactly(fresh);
    }
}
