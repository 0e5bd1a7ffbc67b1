package dev.osprey.model.text;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.osprey.model.error.OspreyException;
import dev.osprey.model.error.Reason;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The {@code osprey_v1} template: one-turn and multi-turn prompt strings and their ids. */
class ConversationTemplateTest {

    private static final OspreyTokenizer TOKENIZER = TextGolden.tokenizer();
    private static final ConversationTemplate V1 = ConversationTemplate.OSPREY_V1;
    private static final String SYSTEM = "A chat between a curious human and an artificial intelligence assistant. "
            + "The assistant gives helpful, detailed, and polite answers to the human's questions.";

    @Test
    void oneTurnPromptIsSystemUserQuestionAssistantColon() {
        List<PromptPart> prompt = V1.render(List.of(new PromptPart.Text("Hi there")));
        assertThat(PromptPart.toPromptString(prompt)).isEqualTo(SYSTEM + " USER: Hi there ASSISTANT:");
    }

    @Test
    void multiTurnPromptEndsEveryAnswerWithEosAndNoSpaceBeforeTheNextUser() {
        List<ConversationTemplate.Exchange> history = List.of(
                new ConversationTemplate.Exchange(TaskPrompt.CATEGORY.message(0), "dog"),
                new ConversationTemplate.Exchange(List.of(new PromptPart.Text("What color is it?")), "Brown."));
        List<PromptPart> prompt = V1.render(history, List.of(new PromptPart.Text("Is it big?")));

        assertThat(PromptPart.toPromptString(prompt)).isEqualTo(SYSTEM + " USER: <image>\nThis provides an overview of the picture.\n"
                + "What is the category of <mask><pos>? Using only one word or phrase. ASSISTANT: dog</s>"
                + "USER: What color is it? ASSISTANT: Brown.</s>USER: Is it big? ASSISTANT:");
    }

    @Test
    void multiTurnIdsAreTheReferenceTokenisationOfThePromptString() {
        List<ConversationTemplate.Exchange> history = List.of(
                new ConversationTemplate.Exchange(TaskPrompt.SHORT.message(0), "A brown dog."));
        PromptIds ids = new PromptEncoder(TOKENIZER).encode(V1.render(history, List.of(new PromptPart.Text("Is it big?"))));

        assertThat(ids.ids()).containsExactly(ReferenceTokenization.tokenizerImageToken(TOKENIZER, ids.prompt()));
        int eos = indexOf(ids.ids(), 2);
        // "</s>USER:" → 2, then "▁US" "ER" ":" (the text after a special token gets its own "▁")
        assertThat(ids.ids()).containsSubsequence(2, 3148, 1001, 29901);
        assertThat(ids.ids()[eos + 1]).isEqualTo(3148);
    }

    @Test
    void emptyAnswersAndQuestionsAreRejected() {
        List<PromptPart> question = List.of(new PromptPart.Text("Hi"));
        assertThatThrownBy(() -> new ConversationTemplate.Exchange(question, ""))
                .isInstanceOfSatisfying(OspreyException.class, e -> assertThat(e.reason()).isEqualTo(Reason.BAD_INPUT));
        assertThatThrownBy(() -> V1.render(List.of(new PromptPart.Text(""))))
                .isInstanceOfSatisfying(OspreyException.class, e -> assertThat(e.reason()).isEqualTo(Reason.BAD_INPUT));
    }

    private static int indexOf(int[] ids, int id) {
        for (int i = 0; i < ids.length; i++) {
            if (ids[i] == id) {
                return i;
            }
        }
        return -1;
    }
}
