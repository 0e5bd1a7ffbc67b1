package dev.osprey.model.generate;

/** Why a sequence stopped generating. */
public enum FinishReason {
    /** It produced the end-of-sequence id (kept as its last output id). */
    STOP,
    /** It reached the maximum number of new tokens. */
    LENGTH,
    /** Its text reached one of the stop strings (the stop string is not part of the text). */
    STOP_STRING,
    /** The caller cancelled the generation. */
    CANCELLED;

    /** The lower-case name used in JSON ("stop", "length", "stop_string", "cancelled"). */
    public String jsonName() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }
}
