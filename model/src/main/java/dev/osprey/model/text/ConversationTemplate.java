package dev.osprey.model.text;

import dev.osprey.model.error.OspreyException;
import java.util.ArrayList;
import java.util.List;

/**
 * A conversation template of the reference's "TWO" separator style (spec §4.4): the system text, then
 * {@code USER: question ASSISTANT: answer</s>} per answered turn and {@code USER: question ASSISTANT:}
 * for the turn to answer. The prompt string is
 * {@code "{system} USER: {q1} ASSISTANT: {a1}</s>USER: {q2} ASSISTANT:"}.
 *
 * <p>Questions are parts (they hold the image and region slots); answers are plain text, since they
 * are what the model said, so a {@code <mask>} or {@code <region1>} in an answer stays text.
 *
 * @param system    the system text
 * @param user      the user role name
 * @param assistant the assistant role name
 * @param sep       what follows the system text and every question
 */
public record ConversationTemplate(String system, String user, String assistant, String sep) {

    /** {@code conv_templates['osprey_v1']}, the template of the reference's demo and evaluations. */
    public static final ConversationTemplate OSPREY_V1 = new ConversationTemplate(
            "A chat between a curious human and an artificial intelligence assistant. "
                    + "The assistant gives helpful, detailed, and polite answers to the human's questions.",
            "USER", "ASSISTANT", " ");

    /**
     * An answered turn.
     *
     * @param question the user's message, non-empty
     * @param answer   the assistant's answer as text, non-empty
     */
    public record Exchange(List<PromptPart> question, String answer) {

        /** Rejects an empty question or answer (the reference's template would drop its separator). */
        public Exchange {
            question = List.copyOf(question);
            requireQuestion(question);
            if (answer.isEmpty()) {
                throw OspreyException.badInput("an answered conversation turn has an empty answer");
            }
        }
    }

    /**
     * The whole prompt for answering {@code question} after {@code history}, as parts; the encoder
     * adds BOS in front.
     */
    public List<PromptPart> render(List<Exchange> history, List<PromptPart> question) {
        requireQuestion(question);
        List<PromptPart> parts = new ArrayList<>();
        parts.add(new PromptPart.Text(system + sep));
        for (Exchange exchange : history) {
            parts.add(new PromptPart.Text(user + ": "));
            parts.addAll(exchange.question());
            parts.add(new PromptPart.Text(sep + assistant + ": " + exchange.answer()));
            parts.add(new PromptPart.EndOfTurn());
        }
        parts.add(new PromptPart.Text(user + ": "));
        parts.addAll(question);
        parts.add(new PromptPart.Text(sep + assistant + ":"));
        return List.copyOf(parts);
    }

    /** The prompt for a single question: {@code "{system} USER: {question} ASSISTANT:"}. */
    public List<PromptPart> render(List<PromptPart> question) {
        return render(List.of(), question);
    }

    private static void requireQuestion(List<PromptPart> question) {
        if (PromptPart.toPromptString(question).isEmpty()) {
            throw OspreyException.badInput("a question of the conversation is empty");
        }
    }
}
