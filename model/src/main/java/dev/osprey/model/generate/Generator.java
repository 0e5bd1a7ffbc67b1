package dev.osprey.model.generate;

import dev.osprey.model.decode.Cancellation;
import dev.osprey.model.decode.DecoderSession;
import dev.osprey.model.decode.EmbeddingTable;
import dev.osprey.model.decode.KvCache;
import dev.osprey.model.error.OspreyException;
import dev.osprey.model.error.Reason;
import dev.osprey.model.text.OspreyTokenizer;
import java.time.Duration;
import java.util.List;

/**
 * Generates from a batch of prompts of equal length (e.g. one task prompt per region, which differ
 * only in their region tokens) with one decoder run per step for the whole batch. Each sequence is
 * sampled on its own and ends on EOS, a stop string or the token limit; sequences that ended keep
 * stepping in the batch (the batch shape stays fixed) but record and emit nothing more.
 *
 * <pre>{@code
 * Generator generator = new Generator(session, embeddings, tokenizer);
 * GenerationRequest request = GenerationRequest.of(SamplingSettings.greedy(), maxNewTokens).withListener(listener);
 * try (KvCache cache = session.newCache(batch, n + maxNewTokens)) {
 *     long start = System.nanoTime();
 *     float[] logits = session.prefill(cache, prompts, n, request.cancellation());
 *     List<Generation> out = generator.generate(cache,
 *             new Generator.Prefilled(logits, 0, Duration.ofNanos(System.nanoTime() - start)), request);
 * }
 * }</pre>
 */
public final class Generator {

    private final DecoderSession session;
    private final EmbeddingTable embeddings;
    private final OspreyTokenizer tokenizer;
    private final int eosId;

    /** A generator that ends sequences on the tokenizer's EOS id. */
    public Generator(DecoderSession session, EmbeddingTable embeddings, OspreyTokenizer tokenizer) {
        this(session, embeddings, tokenizer, tokenizer.specialIds().eos());
    }

    /** A generator that ends sequences on {@code eosId} (another template's end id, or a test's). */
    public Generator(DecoderSession session, EmbeddingTable embeddings, OspreyTokenizer tokenizer, int eosId) {
        this.session = session;
        this.embeddings = embeddings;
        this.tokenizer = tokenizer;
        this.eosId = eosId;
    }

    /**
     * What the prefill of a batch of prompts left beside the cache.
     *
     * @param logits       [batch, vocab] logits of each prompt's last position
     * @param cachedTokens positions of each prompt taken from a cached prefix rather than computed for
     *                     this call (reported in {@link Usage#cachedPromptTokens()})
     * @param took         how long the prefill took, counted in time to first token
     */
    public record Prefilled(float[] logits, int cachedTokens, Duration took) {
    }

    /**
     * Generates for each of the {@code cache.batch()} prompts that {@code cache} holds, prefilled (in
     * full, or after a cached prefix: {@link DecoderSession#prefillAfter}) to one length with room for
     * {@code request.maxNewTokens()} more positions. Ends within one step once the request's
     * cancellation is cancelled, the decoder run in progress included.
     *
     * @return one generation per prompt, in order
     */
    public List<Generation> generate(KvCache cache, Prefilled prefilled, GenerationRequest request) {
        int batch = cache.batch();
        int n = cache.length(0);
        for (int b = 1; b < batch; b++) {
            if (cache.length(b) != n) {
                throw new IllegalStateException("the prefill left sequence " + b + " at " + cache.length(b) + " positions, sequence 0 at " + n);
            }
        }
        if (n == 0 || cache.maxLength() < n + request.maxNewTokens()) {
            throw OspreyException.badInput("generation needs a prefilled cache with room for " + request.maxNewTokens()
                    + " new positions, got " + n + " used of " + cache.maxLength());
        }
        // The prefill counts toward time to first token.
        long start = System.nanoTime() - prefilled.took().toNanos();
        int vocab = session.config().vocab();
        int hidden = embeddings.hidden();
        Cancellation cancellation = request.cancellation();
        List<RunningSequence> sequences = RunningSequence.forBatch(batch, request,
                new RunningSequence.Prompt(n, prefilled.cachedTokens(), start), tokenizer, eosId);
        float[] logits = prefilled.logits();
        float[] next = new float[batch * hidden];
        while (true) {
            for (RunningSequence sequence : sequences) {
                int b = sequence.index();
                // Finished sequences still step (any id will do) so that the batch keeps its shape.
                int id = sequence.ended() ? eosId : sequence.sample(logits, b * vocab, vocab);
                embeddings.copyRow(id, next, b * hidden);
            }
            if (sequences.stream().allMatch(RunningSequence::ended)) {
                return results(sequences);
            }
            if (cancellation.cancelled()) {
                return finishAll(sequences, FinishReason.CANCELLED);
            }
            try {
                logits = session.step(cache, next, cancellation);
            } catch (OspreyException e) {
                if (e.reason() == Reason.CANCELLED && cancellation.cancelled()) {
                    return finishAll(sequences, FinishReason.CANCELLED);
                }
                throw e;
            }
        }
    }

    private static List<Generation> finishAll(List<RunningSequence> sequences, FinishReason reason) {
        sequences.forEach(sequence -> sequence.end(reason));
        return results(sequences);
    }

    private static List<Generation> results(List<RunningSequence> sequences) {
        return sequences.stream().map(RunningSequence::result).toList();
    }
}
