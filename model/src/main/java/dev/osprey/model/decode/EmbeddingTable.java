package dev.osprey.model.decode;

import dev.osprey.model.checkpoint.TensorStore;
import dev.osprey.model.error.OspreyException;
import dev.osprey.model.tensor.Tensor;

/**
 * The token embedding table [vocab, hidden] ({@code model.embed_tokens.weight}), read row by row
 * from its (memory-mapped) tensor and converted to float32 on demand: bf16 rows become exact float32
 * copies, as in the reference.
 */
public final class EmbeddingTable {

    private final Tensor table;
    private final int vocab;
    private final int hidden;

    /** Wraps a [vocab, hidden] float tensor (bf16, fp16 or fp32). */
    public EmbeddingTable(Tensor table) {
        if (table.shape().length != 2) {
            throw OspreyException.badCheckpoint("embedding table " + table + " must be [vocab, hidden]");
        }
        this.table = table;
        this.vocab = Math.toIntExact(table.shape()[0]);
        this.hidden = Math.toIntExact(table.shape()[1]);
    }

    /** The checkpoint's {@code model.embed_tokens.weight}. */
    public static EmbeddingTable from(TensorStore weights) {
        return new EmbeddingTable(weights.get(DecoderConfig.EMBED_TOKENS));
    }

    /** Rows (token ids 0..vocab-1). */
    public int vocab() {
        return vocab;
    }

    /** Values per row. */
    public int hidden() {
        return hidden;
    }

    /** Writes the embedding of {@code tokenId} into {@code dst[offset .. offset+hidden)}. */
    public void copyRow(int tokenId, float[] dst, int offset) {
        if (tokenId < 0 || tokenId >= vocab) {
            throw OspreyException.badInput("token id " + tokenId + " has no embedding (the table has ids 0.." + (vocab - 1)
                    + "; <mask>/<pos> and the image sentinel are replaced, never embedded)");
        }
        table.readFloats((long) tokenId * hidden, dst, offset, hidden);
    }

    /** The embedding of {@code tokenId}. */
    public float[] row(int tokenId) {
        float[] out = new float[hidden];
        copyRow(tokenId, out, 0);
        return out;
    }
}
