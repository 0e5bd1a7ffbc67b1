package dev.osprey.model.generate;

import dev.osprey.model.text.OspreyTokenizer;
import java.util.List;

/**
 * The answers of a batch of prompts whose ids are sampled elsewhere (a TensorRT-LLM engine on Triton)
 * and arrive one at a time: each id's text streams to the request's listener, and Osprey's own stop
 * conditions (EOS, stop strings, the token limit) end a sequence exactly as in the local
 * {@link Generator}, so the answers and their events are the same whoever samples. Used by one
 * thread at a time.
 */
public final class StreamedGeneration {

    private final List<RunningSequence> sequences;

    /**
     * @param batch        prompts (sequences) answered
     * @param promptTokens positions of each prompt
     * @param start        {@link System#nanoTime()} when the request was sent (time to first token counts from it)
     * @param eosId        the id that ends an answer
     */
    public StreamedGeneration(int batch, GenerationRequest request, int promptTokens, long start, OspreyTokenizer tokenizer, int eosId) {
        this.sequences = RunningSequence.forBatch(batch, request, new RunningSequence.Prompt(promptTokens, 0, start), tokenizer, eosId);
    }

    /**
     * Takes sequence {@code sequence}'s next id; ids after the sequence ended are ignored.
     *
     * @return whether the sequence has ended (with this id or before)
     */
    public boolean accept(int sequence, int id) {
        RunningSequence running = sequences.get(sequence);
        if (!running.ended()) {
            running.accept(id);
        }
        return running.ended();
    }

    /** Ends sequence {@code sequence} for {@code why} unless it has ended (e.g. the engine stopped sending, or a cancel). */
    public void end(int sequence, FinishReason why) {
        sequences.get(sequence).end(why);
    }

    /** Whether sequence {@code sequence} has ended. */
    public boolean ended(int sequence) {
        return sequences.get(sequence).ended();
    }

    /** Whether every sequence has ended. */
    public boolean ended() {
        return sequences.stream().allMatch(RunningSequence::ended);
    }

    /** One generation per prompt, in order; sequences still running end as {@code why} first. */
    public List<Generation> results(FinishReason why) {
        sequences.forEach(s -> s.end(why));
        return sequences.stream().map(RunningSequence::result).toList();
    }
}
