package dev.osprey.model.generate;

import java.util.List;

/**
 * Cuts one sequence's streamed text at the first stop string. Text that could still turn out to be
 * the start of a stop string is held back until the next piece settles it, so no emitted piece ever
 * contains part of a stop string.
 */
final class StopStringFilter {

    private final List<String> stops;
    private final StringBuilder held = new StringBuilder();
    private boolean stopped;

    StopStringFilter(List<String> stops) {
        this.stops = stops;
    }

    /** Adds a piece; returns the text that is now certain to come before any stop string. */
    String accept(String piece) {
        if (stopped || stops.isEmpty()) {
            return stopped ? "" : piece;
        }
        held.append(piece);
        int cut = firstStop();
        if (cut >= 0) {
            stopped = true;
            String out = held.substring(0, cut);
            held.setLength(0);
            return out;
        }
        int keep = longestStopPrefixSuffix();
        String out = held.substring(0, held.length() - keep);
        held.delete(0, held.length() - keep);
        return out;
    }

    /** Whether a stop string has been seen. */
    boolean stopped() {
        return stopped;
    }

    /** The sequence ended otherwise: the held text is plain text after all. */
    String finish() {
        String out = held.toString();
        held.setLength(0);
        return out;
    }

    private int firstStop() {
        int first = -1;
        for (String stop : stops) {
            int at = held.indexOf(stop);
            if (at >= 0 && (first < 0 || at < first)) {
                first = at;
            }
        }
        return first;
    }

    // The length of the longest end of the held text that some stop string begins with.
    private int longestStopPrefixSuffix() {
        String text = held.toString();
        int best = 0;
        for (String stop : stops) {
            for (int len = Math.min(stop.length() - 1, text.length()); len > best; len--) {
                if (text.regionMatches(text.length() - len, stop, 0, len)) {
                    best = len;
                    break;
                }
            }
        }
        return best;
    }
}
