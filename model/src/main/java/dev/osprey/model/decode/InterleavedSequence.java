package dev.osprey.model.decode;

import dev.osprey.model.error.OspreyException;
import java.util.ArrayList;
import java.util.List;

/**
 * The LLM input of one prompt (spec §4.3): text embeddings up to the image sentinel, then the image
 * tokens, then the rest of the text where the i-th {@code <mask>} id and the id right after it
 * ({@code <pos>}) are replaced by region i's mask token and position token. Positions are 0..N-1.
 */
public final class InterleavedSequence {

    /** The id that marks where the image tokens go ({@code IMAGE_TOKEN_INDEX}). */
    public static final int IMAGE_SENTINEL = -200;
    /** {@code <mask>}: replaced by a region's mask token. */
    public static final int MASK_ID = 32000;
    /** {@code <pos>}: replaced by a region's position token. */
    public static final int POS_ID = 32001;

    private final float[] embeds;
    private final int length;
    private final int imageStart;
    private final int imageEnd;
    private final int[] maskPositions;

    private InterleavedSequence(float[] embeds, int length, int imageStart, int imageEnd, int[] maskPositions) {
        this.embeds = embeds;
        this.length = length;
        this.imageStart = imageStart;
        this.imageEnd = imageEnd;
        this.maskPositions = maskPositions;
    }

    /**
     * Assembles the sequence.
     *
     * @param inputIds    prompt ids with one {@value #IMAGE_SENTINEL} and one {@code <mask><pos>} pair per region
     * @param table       text embeddings
     * @param imageEmbeds [imageTokens, hidden] projected image tokens
     * @param maskTokens  [Q, hidden] region mask tokens, in {@code <mask>} order
     * @param posTokens   [Q, hidden] region position tokens
     */
    public static InterleavedSequence assemble(int[] inputIds, EmbeddingTable table, float[] imageEmbeds,
            float[] maskTokens, float[] posTokens) {
        int hidden = table.hidden();
        int image = indexOfImage(inputIds);
        if (imageEmbeds.length == 0 || imageEmbeds.length % hidden != 0 || maskTokens.length % hidden != 0
                || posTokens.length != maskTokens.length) {
            throw OspreyException.badInput("image tokens (" + imageEmbeds.length + " values), mask tokens (" + maskTokens.length
                    + ") and pos tokens (" + posTokens.length + ") must be whole rows of " + hidden);
        }
        int imageTokens = imageEmbeds.length / hidden;
        int regions = maskTokens.length / hidden;
        int length = inputIds.length - 1 + imageTokens;
        float[] embeds = new float[Math.multiplyExact(length, hidden)];
        for (int i = 0; i < image; i++) {
            table.copyRow(inputIds[i], embeds, i * hidden);
        }
        System.arraycopy(imageEmbeds, 0, embeds, image * hidden, imageEmbeds.length);
        List<Integer> masks = new ArrayList<>();
        int at = image + imageTokens;
        for (int i = image + 1; i < inputIds.length; i++, at++) {
            if (inputIds[i] != MASK_ID) {
                table.copyRow(inputIds[i], embeds, at * hidden);
                continue;
            }
            int region = masks.size();
            if (region >= regions || i + 1 >= inputIds.length) {
                throw OspreyException.badInput("the prompt has more <mask> slots than the " + regions
                        + " region(s) given, or ends in <mask> without <pos>");
            }
            masks.add(at);
            // The id after <mask> (the <pos>) is replaced too: mask token first, then pos token.
            System.arraycopy(maskTokens, region * hidden, embeds, at * hidden, hidden);
            System.arraycopy(posTokens, region * hidden, embeds, (at + 1) * hidden, hidden);
            i++;
            at++;
        }
        if (masks.size() != regions) {
            throw OspreyException.badInput("the prompt has " + masks.size() + " <mask><pos> slot(s) after the image but "
                    + regions + " region(s) were given");
        }
        return new InterleavedSequence(embeds, length, image, image + imageTokens,
                masks.stream().mapToInt(Integer::intValue).toArray());
    }

    private static int indexOfImage(int[] inputIds) {
        int found = -1;
        for (int i = 0; i < inputIds.length; i++) {
            if (inputIds[i] == IMAGE_SENTINEL) {
                if (found >= 0) {
                    throw OspreyException.badInput("input_ids hold more than one image sentinel " + IMAGE_SENTINEL);
                }
                found = i;
            }
        }
        if (found < 0) {
            throw OspreyException.badInput("input_ids hold no image sentinel " + IMAGE_SENTINEL);
        }
        return found;
    }

    /** [length, hidden] row-major embeddings (the array itself, not a copy). */
    public float[] embeds() {
        return embeds;
    }

    /** Positions N: ids − 1 + image tokens. */
    public int length() {
        return length;
    }

    /** First position of the image tokens. */
    public int imageStart() {
        return imageStart;
    }

    /** Position after the last image token. */
    public int imageEnd() {
        return imageEnd;
    }

    /** Position of region i's mask token (its pos token follows at +1). */
    public int[] maskPositions() {
        return maskPositions.clone();
    }
}
