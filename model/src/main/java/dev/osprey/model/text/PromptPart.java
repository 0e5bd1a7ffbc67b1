package dev.osprey.model.text;

import java.util.List;

/**
 * One piece of a prompt: text, or a slot that only the template inserts and that becomes special ids
 * ({@link PromptEncoder}). Text is always tokenised as text, whatever it contains.
 */
public sealed interface PromptPart {

    /** The reference's prompt string of {@code parts}: slots as {@code <image>}, {@code <mask><pos>}, {@code </s>}. */
    static String toPromptString(List<PromptPart> parts) {
        StringBuilder text = new StringBuilder();
        parts.forEach(part -> text.append(part.render()));
        return text.toString();
    }

    /** How the part reads in the reference's prompt string (for logs and golden comparisons). */
    String render();

    /**
     * Text, tokenised with special-token matching off.
     *
     * @param text any string; {@code "<mask>"} in it stays the five characters
     */
    record Text(String text) implements PromptPart {

        @Override
        public String render() {
            return text;
        }
    }

    /** Where the image tokens go: id {@value SpecialIds#IMAGE_SENTINEL}. */
    record Image() implements PromptPart {

        @Override
        public String render() {
            return "<image>";
        }
    }

    /**
     * A region slot, ids {@code <mask> <pos>}, which the embedding replaces by the tokens of a region.
     *
     * @param region the 0-based index of the mask whose tokens fill this slot
     */
    record Region(int region) implements PromptPart {

        /** Rejects a negative index. */
        public Region {
            if (region < 0) {
                throw new IllegalArgumentException("region index " + region + " < 0");
            }
        }

        @Override
        public String render() {
            return "<mask><pos>";
        }
    }

    /** The end of an answered turn: {@code </s>} (the template's second separator). */
    record EndOfTurn() implements PromptPart {

        @Override
        public String render() {
            return "</s>";
        }
    }
}
