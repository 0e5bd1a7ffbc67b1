package dev.osprey.model.text;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.osprey.model.error.OspreyException;
import dev.osprey.model.error.Reason;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Free prompts: {@code <regionN>} → slots with an explicit slot → mask mapping, and the errors. */
class PromptRegionReferencesTest {

    private static final PromptEncoder ENCODER = new PromptEncoder(TextGolden.tokenizer());

    @Test
    void freeCategoryQuestionGetsTheGoldenCategoryIds() {
        PromptIds ids = ENCODER.free(List.of(), "What is the category of <region1>? Using only one word or phrase.", 1);
        assertThat(ids.ids()).containsExactly(TextGolden.ints(TextGolden.json("reference/prompts.json").path("category").path("input_ids")));
        assertThat(ids.slotRegions()).containsExactly(0);
    }

    @Test
    void slotsFollowTheOrderOfReferencesNotOfMasks() {
        PromptIds ids = ENCODER.free(List.of(), "How does <region2> relate to <region1>?", 2);
        assertThat(ids.slotRegions()).containsExactly(1, 0);
        assertThat(ids.prompt()).endsWith("USER: <image>\nThis provides an overview of the picture.\n"
                + "How does <mask><pos> relate to <mask><pos>? ASSISTANT:");
    }

    @Test
    void aRegionNamedTwiceGetsTwoSlots() {
        assertThat(ENCODER.free(List.of(), "Is <region1> bigger than <region2>, or is <region1> smaller?", 2).slotRegions())
                .containsExactly(0, 1, 0);
    }

    @Test
    void historyQuestionsReferToTheSameMasksAndTheirSlotsComeFirst() {
        List<FreePrompt.Turn> history = List.of(new FreePrompt.Turn("What is <region2>?", "A cat."));
        PromptIds ids = ENCODER.free(history, "And <region1>?", 2);
        assertThat(ids.slotRegions()).containsExactly(1, 0);
        // The image and the overview line open the first turn only.
        assertThat(ids.prompt()).contains("USER: <image>\nThis provides an overview of the picture.\nWhat is <mask><pos>? "
                + "ASSISTANT: A cat.</s>USER: And <mask><pos>? ASSISTANT:");
        assertThat(ids.ids()).containsOnlyOnce(SpecialIds.IMAGE_SENTINEL);
    }

    @Test
    void aPromptWithoutMasksNeedsNoReferences() {
        assertThat(ENCODER.free(List.of(), "What is in the picture?", 0).slotRegions()).isEmpty();
    }

    @Test
    void referenceBeyondTheMasksIsBadInput() {
        assertBadInput(() -> ENCODER.free(List.of(), "Compare <region1> and <region3>.", 2),
                "refers to <region3> but only 2 masks were given");
        assertBadInput(() -> ENCODER.free(List.of(), "What is <region1>?", 0), "refers to <region1> but no mask was given");
    }

    @Test
    void maskNeverReferredToIsBadInput() {
        assertBadInput(() -> ENCODER.free(List.of(), "What is <region1>?", 2), "mask 2 is never referred to");
    }

    @Test
    void referenceOnlyInAnEarlierAnswerDoesNotCount() {
        List<FreePrompt.Turn> history = List.of(new FreePrompt.Turn("What is <region1>?", "It is next to <region2>."));
        assertBadInput(() -> ENCODER.free(history, "Why?", 2), "mask 2 is never referred to");
    }

    @ParameterizedTest
    @ValueSource(strings = {"<region0>", "<regionX>", "<region>", "<region01>", "<region-1>", "<region1a>"})
    void malformedReferenceIsBadInput(String reference) {
        assertBadInput(() -> ENCODER.free(List.of(), "What is " + reference + "?", 1), reference + " in the prompt is not a region reference");
    }

    private static void assertBadInput(Runnable call, String message) {
        assertThatThrownBy(call::run).isInstanceOfSatisfying(OspreyException.class,
                e -> assertThat(e.reason()).isEqualTo(Reason.BAD_INPUT)).hasMessageContaining(message);
    }
}
