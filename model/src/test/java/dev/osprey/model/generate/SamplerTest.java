package dev.osprey.model.generate;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.osprey.model.error.OspreyException;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Sampling rules and settings validation, on hand-made logits. */
class SamplerTest {

    private static final float[] LOGITS = {1f, 3f, 3f, 2f, -1f};

    @Test
    void greedyIsTheArgmaxWithTheLowestIdOnATie() {
        assertThat(Sampler.forBatch(SamplingSettings.greedy(), 1)[0].next(LOGITS, 0, LOGITS.length)).isEqualTo(1);
        assertThat(Sampler.forBatch(new SamplingSettings(5, 1, 1, 9), 1)[0].next(LOGITS, 0, LOGITS.length)).isEqualTo(1);
    }

    @Test
    void topKAndTopPKeepOnlyTheMostLikelyIds() {
        Sampler[] topTwo = Sampler.forBatch(new SamplingSettings(10, 2, 1, 1), 1);
        Sampler[] smallMass = Sampler.forBatch(new SamplingSettings(0.01, 0, 0.3, 1), 1);
        for (int i = 0; i < 200; i++) {
            assertThat(topTwo[0].next(LOGITS, 0, LOGITS.length)).isIn(1, 2);
            assertThat(smallMass[0].next(LOGITS, 0, LOGITS.length)).isEqualTo(1);
        }
    }

    @Test
    void aSeedReproducesEverySequenceAndSequencesDrawApart() {
        SamplingSettings hot = new SamplingSettings(3, 0, 1, 123);
        Sampler[] a = Sampler.forBatch(hot, 2);
        Sampler[] b = Sampler.forBatch(hot, 2);
        StringBuilder first = new StringBuilder();
        StringBuilder second = new StringBuilder();
        StringBuilder other = new StringBuilder();
        for (int i = 0; i < 64; i++) {
            first.append(a[0].next(LOGITS, 0, LOGITS.length));
            second.append(b[0].next(LOGITS, 0, LOGITS.length));
            other.append(a[1].next(LOGITS, 0, LOGITS.length));
        }
        assertThat(second).hasToString(first.toString());
        assertThat(other.toString()).isNotEqualTo(first.toString());
    }

    @Test
    void invalidSettingsNameTheField() {
        assertThatThrownBy(() -> new SamplingSettings(-0.1, 50, 1, 0)).isInstanceOf(OspreyException.class).hasMessageContaining("temperature");
        assertThatThrownBy(() -> new SamplingSettings(Double.NaN, 50, 1, 0)).hasMessageContaining("temperature");
        assertThatThrownBy(() -> new SamplingSettings(0.2, -1, 1, 0)).hasMessageContaining("top_k");
        assertThatThrownBy(() -> new SamplingSettings(0.2, 50, 0, 0)).hasMessageContaining("top_p");
        assertThatThrownBy(() -> new SamplingSettings(0.2, 50, 1.01, 0)).hasMessageContaining("top_p");
        assertThatThrownBy(() -> GenerationRequest.of(SamplingSettings.greedy(), 0)).hasMessageContaining("max_new_tokens");
    }

    @Test
    void stopStringFilterHoldsBackWhatCouldStartAStop() {
        StopStringFilter filter = new StopStringFilter(List.of("END"));
        assertThat(filter.accept("abc E")).isEqualTo("abc ");
        assertThat(filter.accept("x E")).isEqualTo("Ex ");
        assertThat(filter.accept("NDtail")).isEmpty();
        assertThat(filter.stopped()).isTrue();
        StopStringFilter open = new StopStringFilter(List.of("END"));
        assertThat(open.accept("the EN")).isEqualTo("the ");
        assertThat(open.finish()).isEqualTo("EN");
    }
}
