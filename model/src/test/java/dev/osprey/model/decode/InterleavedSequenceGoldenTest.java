package dev.osprey.model.decode;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.osprey.model.Golden;
import dev.osprey.model.checkpoint.SafetensorsFile;
import dev.osprey.model.error.OspreyException;
import dev.osprey.model.error.Reason;
import java.util.Arrays;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Spec §4.3 assembly from the golden image, mask and pos tokens. */
class InterleavedSequenceGoldenTest {

    static SafetensorsFile weights;
    static EmbeddingTable table;

    @BeforeAll
    static void open() {
        weights = GoldenDecoder.weights();
        table = EmbeddingTable.from(weights);
    }

    @AfterAll
    static void close() {
        weights.close();
    }

    @Test
    void assembledShortPromptEqualsTheReferenceInputsEmbeds() {
        GoldenRuns.Run run = GoldenRuns.all().getFirst();
        assertThat(run.label()).isEqualTo("s1_img0 short m[0]");
        InterleavedSequence sequence = run.assemble(table, GoldenRuns.tensors("s1_img0"));
        float[] expected;
        try (SafetensorsFile tensors = Golden.tensors("s1_img0")) {
            expected = tensors.floats("inputs_embeds.short.m0");
        }
        Golden.assertClose("inputs_embeds.short.m0", sequence.embeds(), expected, 1e-5, 0);
        int hidden = table.hidden();
        int[] masks = sequence.maskPositions();
        for (int p = 0; p < sequence.length(); p++) {
            boolean region = p == masks[0] || p == masks[0] + 1;
            if ((p < sequence.imageStart() || p >= sequence.imageEnd()) && !region) {
                assertThat(Arrays.copyOfRange(sequence.embeds(), p * hidden, (p + 1) * hidden)).as("text row %d", p)
                        .containsExactly(Arrays.copyOfRange(expected, p * hidden, (p + 1) * hidden));
            }
        }
    }

    @Test
    void lengthImageSpanAndRegionPositionsMatchEveryRun() {
        GoldenRuns.forEach((run, tensors) -> {
            InterleavedSequence sequence = run.assemble(table, tensors);
            assertThat(sequence.length()).as("%s sequence_length", run.label()).isEqualTo(run.sequenceLength());
            assertThat(new int[] {sequence.imageStart(), sequence.imageEnd()}).as("%s image_token_span", run.label())
                    .containsExactly(run.imageSpan());
            assertThat(sequence.maskPositions()).as("%s mask_token_positions", run.label()).containsExactly(run.maskPositions());
            assertThat(Arrays.stream(sequence.maskPositions()).map(p -> p + 1).toArray()).as("%s pos_token_positions", run.label())
                    .containsExactly(run.posPositions());
        });
    }

    @Test
    void regionCountMustMatchTheMaskSlots() {
        GoldenRuns.Run run = GoldenRuns.all().getFirst();
        GoldenRuns.CaseTensors tensors = GoldenRuns.tensors("s1_img0");
        assertThatThrownBy(() -> InterleavedSequence.assemble(run.inputIds(), table, tensors.imageEmbeds(),
                tensors.maskTokens(), tensors.posTokens()))
                .isInstanceOfSatisfying(OspreyException.class, e -> assertThat(e.reason()).isEqualTo(Reason.BAD_INPUT))
                .hasMessageContaining("3 region(s)");
    }
}
