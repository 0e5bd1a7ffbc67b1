package dev.osprey.model.generate;

/**
 * Receives generated text as it appears. Called on the generating thread, once per generated id of a
 * sequence that is still running, and once more with {@link #NO_TOKEN} if the sequence's end
 * releases text held back (a trailing run of byte pieces, or text that could have begun a stop
 * string). A sequence's pieces joined are exactly its final text.
 */
@FunctionalInterface
public interface TokenListener {

    /** The token id passed with text that no single id completed. */
    int NO_TOKEN = -1;

    /** Ignores everything. */
    TokenListener NONE = (sequence, piece, tokenId) -> { };

    /**
     * @param sequence index of the sequence in its batch
     * @param piece    the text this id completes, often "" (a special id, a byte piece)
     * @param tokenId  the id, or {@link #NO_TOKEN}
     */
    void onToken(int sequence, String piece, int tokenId);

    /**
     * Called once on the generating thread when the prompts' prefill gets its turn, before it runs:
     * the time before it was spent waiting (for other questions' prefills), the time after it until
     * the first id computing. Not called for a generation cancelled before its turn.
     */
    default void onPrefillStart() {
    }
}
