package dev.osprey.model.pipeline;

import dev.osprey.model.text.FreePrompt;
import dev.osprey.model.text.TaskPrompt;
import java.util.List;

/** What is asked about an image's regions: a fixed task per region, or one free prompt. */
public sealed interface Question {

    /** The reference's fixed question, asked about every mask; one answer per mask. */
    record Task(TaskPrompt task) implements Question {
    }

    /**
     * A free question referring to the masks as {@code <region1>}, {@code <region2>}, … after
     * earlier turns; one answer.
     */
    record Prompt(List<FreePrompt.Turn> history, String text) implements Question {

        public Prompt {
            history = List.copyOf(history);
        }

        /** A question without history. */
        public Prompt(String text) {
            this(List.of(), text);
        }
    }
}
