package dev.osprey.model.generate;

import dev.osprey.model.decode.Cancellation;
import dev.osprey.model.decode.DecoderSession;
import dev.osprey.model.decode.EmbeddingTable;
import dev.osprey.model.decode.KvCache;
import dev.osprey.model.error.OspreyException;
import dev.osprey.model.error.Reason;
import dev.osprey.model.text.OspreyTokenizer;
import dev.osprey.model.text.StreamingDetokenizer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
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
        Sampler[] samplers = Sampler.forBatch(request.sampling(), batch);
        Cancellation cancellation = request.cancellation();
        List<Sequence> sequences = sequences(batch, request, new Prompt(n, prefilled.cachedTokens(), start));
        float[] logits = prefilled.logits();
        float[] next = new float[batch * hidden];
        while (true) {
            for (Sequence sequence : sequences) {
                int b = sequence.index;
                // Finished sequences still step (any id will do) so that the batch keeps its shape.
                int id = sequence.reason == null ? sequence.accept(samplers[b].next(logits, b * vocab, vocab)) : eosId;
                embeddings.copyRow(id, next, b * hidden);
            }
            if (sequences.stream().allMatch(s -> s.reason != null)) {
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

    private List<Sequence> sequences(int batch, GenerationRequest request, Prompt prompt) {
        List<Sequence> sequences = new ArrayList<>(batch);
        for (int b = 0; b < batch; b++) {
            sequences.add(new Sequence(b, request, prompt));
        }
        return sequences;
    }

    private List<Generation> finishAll(List<Sequence> sequences, FinishReason reason) {
        for (Sequence sequence : sequences) {
            if (sequence.reason == null) {
                sequence.end(reason);
            }
        }
        return results(sequences);
    }

    private static List<Generation> results(List<Sequence> sequences) {
        return sequences.stream().map(s -> s.result).toList();
    }

    /** What the sequences of one batch share: prompt length, its cached part and when generation started. */
    private record Prompt(int tokens, int cachedTokens, long start) {
    }

    /** The state of one sequence of the batch. */
    private final class Sequence {
        final int index;
        final GenerationRequest request;
        final Prompt prompt;
        final StreamingDetokenizer detokenizer = tokenizer.detokenizer();
        final StopStringFilter stops;
        final StringBuilder text = new StringBuilder();
        int[] ids;
        int produced;
        long firstTokenAt = -1;
        FinishReason reason;
        Generation result;

        Sequence(int index, GenerationRequest request, Prompt prompt) {
            this.index = index;
            this.request = request;
            this.prompt = prompt;
            this.stops = new StopStringFilter(request.stopStrings());
            this.ids = new int[Math.min(request.maxNewTokens(), 64)];
        }

        /** Records a generated id, streams its text and decides whether the sequence ends; returns the id. */
        int accept(int id) {
            if (produced == 0) {
                firstTokenAt = System.nanoTime();
            }
            if (produced == ids.length) {
                ids = Arrays.copyOf(ids, Math.min(request.maxNewTokens(), ids.length * 2));
            }
            ids[produced++] = id;
            emit(stops.accept(detokenizer.accept(id)), id);
            if (stops.stopped()) {
                end(FinishReason.STOP_STRING);
            } else if (id == eosId) {
                end(FinishReason.STOP);
            } else if (produced == request.maxNewTokens()) {
                end(FinishReason.LENGTH);
            }
            return id;
        }

        void end(FinishReason why) {
            reason = why;
            if (why != FinishReason.STOP_STRING) {
                String rest = stops.accept(detokenizer.finish());
                rest += stops.stopped() ? "" : stops.finish();
                if (!rest.isEmpty()) {
                    emit(rest, TokenListener.NO_TOKEN);
                }
            }
            long now = System.nanoTime();
            Duration ttft = firstTokenAt < 0 ? Duration.ZERO : Duration.ofNanos(firstTokenAt - prompt.start);
            result = new Generation(Arrays.copyOf(ids, produced), text.toString(),
                    stops.stopped() ? FinishReason.STOP_STRING : why,
                    new Usage(prompt.tokens, prompt.cachedTokens, produced, ttft, Duration.ofNanos(now - prompt.start)));
        }

        private void emit(String piece, int id) {
            text.append(piece);
            request.listener().onToken(index, piece, id);
        }
    }
}
