package dev.osprey.model.sam;

import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.osprey.model.error.OspreyException;
import java.util.Collections;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Prompt validation: every rejection names what is wrong. */
class SamPromptTest {

    private static final SamPoint INSIDE = new SamPoint(10, 20, 1);

    @Test
    void pointsAndBoxesInsideTheImageAreAccepted() {
        assertThatCode(() -> SamPrompt.of(List.of(new SamPoint(639.5, 479.9, 1), new SamPoint(0, 0, 0))).validate(640, 480))
                .doesNotThrowAnyException();
        assertThatCode(() -> new SamPrompt(List.of(), new SamBox(0, 0, 640, 480), null).validate(640, 480)).doesNotThrowAnyException();
        assertThatCode(() -> new SamPrompt(List.of(new SamPoint(5, 5, 0)), new SamBox(1, 2, 3, 4), null).validate(640, 480))
                .doesNotThrowAnyException();
    }

    @Test
    void pointOutsideTheImageIsNamed() {
        assertThatThrownBy(() -> SamPrompt.of(List.of(INSIDE, new SamPoint(640, 3, 1))).validate(640, 480))
                .isInstanceOf(OspreyException.class).hasMessageContaining("point 1 (640.0, 3.0) is outside the 640x480 image");
        assertThatThrownBy(() -> SamPrompt.of(List.of(new SamPoint(Double.NaN, 3, 1))).validate(640, 480)).hasMessageContaining("outside");
    }

    @Test
    void emptyOrBackgroundOnlyPromptsAreRejected() {
        assertThatThrownBy(() -> SamPrompt.of(List.of()).validate(640, 480)).hasMessageContaining("at least one point or a box");
        assertThatThrownBy(() -> SamPrompt.of(List.of(new SamPoint(1, 1, 0))).validate(640, 480))
                .hasMessageContaining("needs at least one foreground point");
    }

    @Test
    void tooManyPointsAndBadLabelsAreRejected() {
        assertThatThrownBy(() -> SamPrompt.of(Collections.nCopies(SamPrompt.MAX_POINTS + 1, INSIDE)).validate(640, 480))
                .hasMessageContaining("at most " + SamPrompt.MAX_POINTS + " points");
        assertThatThrownBy(() -> SamPrompt.of(List.of(new SamPoint(1, 1, 2))).validate(640, 480)).hasMessageContaining("label 2");
    }

    @Test
    void boxOutsideOrReversedIsRejected() {
        assertThatThrownBy(() -> new SamPrompt(List.of(), new SamBox(10, 10, 5, 20), null).validate(640, 480))
                .hasMessageContaining("0 <= x0 <= x1 <= 640");
        assertThatThrownBy(() -> new SamPrompt(List.of(), new SamBox(0, 0, 641, 20), null).validate(640, 480)).hasMessageContaining("box");
    }

    @Test
    void promptsDecodedTogetherNeedTheSamePointCountAndMaskSize() {
        SamEmbedding e = new SamEmbedding(new float[4 * 4 * 2], 2, 480, 640, 768, 1024);
        assertThatThrownBy(() -> SamPrompts.toDecoderInput(List.of(SamPrompt.of(List.of(INSIDE)), SamPrompt.of(List.of(INSIDE, INSIDE))), e, 16))
                .hasMessageContaining("prompt 0 has 2 decoder points, prompt 1 has 3");
        assertThatThrownBy(() -> SamPrompts.toDecoderInput(List.of(new SamPrompt(List.of(INSIDE), null, new float[3])), e, 16))
                .hasMessageContaining("mask input has 3 values, expected 16x16");
    }
}
