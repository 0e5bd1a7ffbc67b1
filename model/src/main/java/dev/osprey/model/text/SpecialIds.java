package dev.osprey.model.text;

/**
 * The special ids of an Osprey tokenizer (spec §4.2), read from its {@code tokenizer.json}; for
 * Osprey-7b and the golden tiny checkpoint they are {@code <unk>} 0, {@code <s>} 1, {@code </s>} 2,
 * {@code <mask>} 32000 and {@code <pos>} 32001.
 *
 * @param unk  {@code <unk>}, also the padding id
 * @param bos  {@code <s>}, the first id of every prompt
 * @param eos  {@code </s>}, ends an answer and separates conversation turns
 * @param mask {@code <mask>}, replaced by a region's mask token when embedding
 * @param pos  {@code <pos>}, replaced by a region's position token when embedding
 */
public record SpecialIds(int unk, int bos, int eos, int mask, int pos) {

    /**
     * The id the reference puts where the image tokens go ({@code IMAGE_TOKEN_INDEX}); it is no
     * vocabulary id and never reaches the embedding table.
     */
    public static final int IMAGE_SENTINEL = -200;

    /** Whether {@code id} is one of these five ids. */
    public boolean contains(int id) {
        return id == unk || id == bos || id == eos || id == mask || id == pos;
    }
}
