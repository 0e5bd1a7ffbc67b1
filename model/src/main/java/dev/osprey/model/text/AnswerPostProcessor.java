package dev.osprey.model.text;

import java.util.ArrayList;
import java.util.List;

/**
 * The reference's clean-up of a decoded answer (spec §4.6), as options: the decoded text itself,
 * or the steps the demo and the evaluation scripts apply after {@code decode(..., skip_special_tokens=True)}.
 */
public enum AnswerPostProcessor {

    /** The decoded text unchanged. */
    NONE,
    /** Strip whitespace, drop a trailing {@code "</s>"}, strip again. */
    STRIP,
    /**
     * {@link #STRIP}, then, if the text contains ':', keep only what lies between the first and the
     * second ':' (Python's {@code split(':')[1]}), as the demo, LVIS/PACO, RefCOCOg and GPT-description
     * scripts do.
     */
    COLON,
    /**
     * {@link #COLON}, then the demo's cut: split at '.', skip empty sentences, stop at the first
     * sentence that repeats an earlier one, and join the kept sentences each followed by '.'.
     */
    DEMO;

    private static final String STOP = "</s>";

    /** Applies this option to a decoded answer. */
    public String apply(String decoded) {
        if (this == NONE) {
            return decoded;
        }
        String text = strip(decoded);
        if (text.endsWith(STOP)) {
            text = strip(text.substring(0, text.length() - STOP.length()));
        }
        if (this == STRIP) {
            return text;
        }
        int colon = text.indexOf(':');
        if (colon >= 0) {
            int next = text.indexOf(':', colon + 1);
            text = text.substring(colon + 1, next >= 0 ? next : text.length());
        }
        return this == COLON ? text : firstSentencesUntilRepeat(text);
    }

    private static String firstSentencesUntilRepeat(String text) {
        List<String> kept = new ArrayList<>();
        StringBuilder result = new StringBuilder();
        for (String sentence : text.split("\\.", -1)) {
            if (kept.contains(sentence)) {
                break;
            }
            if (!sentence.isEmpty()) {
                kept.add(sentence);
                result.append(sentence).append('.');
            }
        }
        return result.toString();
    }

    // Python's str.strip(): it also removes no-break spaces and NEL, which String.strip() keeps.
    private static String strip(String text) {
        int start = 0;
        int end = text.length();
        while (start < end && isPythonSpace(text.charAt(start))) {
            start++;
        }
        while (end > start && isPythonSpace(text.charAt(end - 1))) {
            end--;
        }
        return text.substring(start, end);
    }

    private static boolean isPythonSpace(char c) {
        return Character.isWhitespace(c) || Character.isSpaceChar(c) || c == '\u0085';
    }
}
