package dev.osprey.llm;

import dev.osprey.model.generate.Usage;

/** What the Generate calls report as they run; {@link LlmMetrics} records it in Micrometer. */
interface GenerationMetrics {

    /** {@code delta} sequences started (positive) or ended (negative) generating. */
    void activeSequences(int delta);

    /** A call's first token, {@code nanos} after the call arrived (queueing, encoder and prefill included). */
    void firstToken(long nanos);

    /** A sequence's next token, {@code nanos} after its previous one. */
    void interToken(long nanos);

    /** One answer ended; its prompt and generated token counts. */
    void answered(Usage usage);
}
