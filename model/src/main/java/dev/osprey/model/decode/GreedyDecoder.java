package dev.osprey.model.decode;

import java.util.Arrays;

/**
 * Greedy generation: the argmax token of each step (the lowest id on a tie, as {@code torch.argmax})
 * is embedded and fed back through the KV cache. A batch of equal-length prompts (e.g. one per region)
 * decodes together, one graph run per step.
 */
public final class GreedyDecoder {

    /** Pass as {@code eosId} to generate exactly {@code maxNewTokens} ids whatever they are. */
    public static final int NO_EOS = -1;

    private final DecoderSession session;
    private final EmbeddingTable embeddings;

    /** A decoder over one session and the matching embedding table. */
    public GreedyDecoder(DecoderSession session, EmbeddingTable embeddings) {
        this.session = session;
        this.embeddings = embeddings;
    }

    /**
     * Prefills {@code cache.batch()} prompts of {@code n} positions each and generates up to
     * {@code maxNewTokens} ids per prompt. A sequence ends after emitting {@code eosId} (kept as its
     * last id); with {@link #NO_EOS} every sequence gets exactly {@code maxNewTokens} ids.
     *
     * @param prompts [batch, n, hidden] embeddings, row-major
     * @return the new ids of each sequence
     */
    public int[][] generate(KvCache cache, float[] prompts, int n, int maxNewTokens, int eosId) {
        int batch = cache.batch();
        int vocab = session.config().vocab();
        int hidden = embeddings.hidden();
        int[][] ids = new int[batch][maxNewTokens];
        int[] produced = new int[batch];
        boolean[] done = new boolean[batch];
        float[] logits = session.prefill(cache, prompts, n);
        float[] next = new float[batch * hidden];
        for (int t = 0; t < maxNewTokens; t++) {
            for (int b = 0; b < batch; b++) {
                int id = argmax(logits, b * vocab, vocab);
                if (!done[b]) {
                    ids[b][produced[b]++] = id;
                    done[b] = id == eosId;
                }
                // Finished sequences keep stepping in the batch; their ids are no longer recorded.
                embeddings.copyRow(id, next, b * hidden);
            }
            if (t + 1 == maxNewTokens || allTrue(done)) {
                break;
            }
            logits = session.step(cache, next);
        }
        int[][] out = new int[batch][];
        for (int b = 0; b < batch; b++) {
            out[b] = Arrays.copyOf(ids[b], produced[b]);
        }
        return out;
    }

    /** Index of the largest of {@code count} values from {@code offset}; the first one on a tie. */
    public static int argmax(float[] values, int offset, int count) {
        int best = 0;
        for (int i = 1; i < count; i++) {
            if (values[offset + i] > values[offset + best]) {
                best = i;
            }
        }
        return best;
    }

    private static boolean allTrue(boolean[] flags) {
        for (boolean flag : flags) {
            if (!flag) {
                return false;
            }
        }
        return true;
    }
}
