package dev.osprey.model.generate;

import dev.osprey.model.text.OspreyTokenizer;
import dev.osprey.model.text.StreamingDetokenizer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * One sequence being generated, wherever it steps ({@link Generator}'s fixed batch or the
 * {@link DecodeLoop}'s shared one): its own sampler, the ids so far, the text streamed to its
 * listener, and its stop conditions; once it ends, its {@link Generation}. Used by one thread at a time.
 */
final class RunningSequence {

    /**
     * What the sequences of one prompt batch share.
     *
     * @param tokens       positions of each prompt
     * @param cachedTokens of those, positions taken from a cached prefix
     * @param start        {@link System#nanoTime()} when the prefill started (time to first token counts from it)
     */
    record Prompt(int tokens, int cachedTokens, long start) {
    }

    private final int index;
    private final GenerationRequest request;
    private final Prompt prompt;
    private final Sampler sampler;
    private final int eosId;
    private final StreamingDetokenizer detokenizer;
    private final StopStringFilter stops;
    private final StringBuilder text = new StringBuilder();
    private int[] ids;
    private int produced;
    private long firstTokenAt = -1;
    private Generation result;

    private RunningSequence(int index, GenerationRequest request, Prompt prompt, Sampler sampler, OspreyTokenizer tokenizer, int eosId) {
        this.index = index;
        this.request = request;
        this.prompt = prompt;
        this.sampler = sampler;
        this.eosId = eosId;
        this.detokenizer = tokenizer.detokenizer();
        this.stops = new StopStringFilter(request.stopStrings());
        this.ids = new int[Math.min(request.maxNewTokens(), 64)];
    }

    /** One sequence per prompt of a batch, sequence b sampling from the b-th stream of the request's seed. */
    static List<RunningSequence> forBatch(int batch, GenerationRequest request, Prompt prompt, OspreyTokenizer tokenizer, int eosId) {
        Sampler[] samplers = Sampler.forBatch(request.sampling(), batch);
        List<RunningSequence> sequences = new ArrayList<>(batch);
        for (int b = 0; b < batch; b++) {
            sequences.add(new RunningSequence(b, request, prompt, samplers[b], tokenizer, eosId));
        }
        return sequences;
    }

    /** Its index in its prompt batch (the listener's sequence number). */
    int index() {
        return index;
    }

    /** The request it was started with (its cancellation, listener, limits). */
    GenerationRequest request() {
        return request;
    }

    /** Samples the next id from its {@code vocab} logits at {@code offset}, records and streams it; returns the id. */
    int sample(float[] logits, int offset, int vocab) {
        return accept(sampler.next(logits, offset, vocab));
    }

    /** The id it generated last: what its next decoder step is fed. */
    int lastId() {
        return ids[produced - 1];
    }

    /** Whether it has ended (and has its {@link #result()}). */
    boolean ended() {
        return result != null;
    }

    /** Its generation once it has ended; null before. */
    Generation result() {
        return result;
    }

    /** Records an id generated here or elsewhere, streams its text and decides whether the sequence ends; returns the id. */
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

    /** Ends it for {@code why} (unless it has ended), releasing the text held back for a possible stop string. */
    void end(FinishReason why) {
        if (result != null) {
            return;
        }
        if (why != FinishReason.STOP_STRING) {
            String rest = stops.accept(detokenizer.finish());
            rest += stops.stopped() ? "" : stops.finish();
            if (!rest.isEmpty()) {
                emit(rest, TokenListener.NO_TOKEN);
            }
        }
        long now = System.nanoTime();
        Duration ttft = firstTokenAt < 0 ? Duration.ZERO : Duration.ofNanos(firstTokenAt - prompt.start());
        result = new Generation(Arrays.copyOf(ids, produced), text.toString(), stops.stopped() ? FinishReason.STOP_STRING : why,
                new Usage(prompt.tokens(), prompt.cachedTokens(), produced, ttft, Duration.ofNanos(now - prompt.start())));
    }

    private void emit(String piece, int id) {
        text.append(piece);
        request.listener().onToken(index, piece, id);
    }
}
