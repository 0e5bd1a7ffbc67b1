package dev.osprey.model.trtllm;

import dev.osprey.model.decode.InterleavedSequence;
import dev.osprey.model.error.OspreyException;
import dev.osprey.model.pipeline.Sha256;
import dev.osprey.model.region.RegionTokens;
import dev.osprey.model.text.PromptIds;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * One prompt as a {@code tensorrt_llm} request carries it: Osprey's interleaved sequence (spec §4.3)
 * in ids alone. The image sentinel becomes ids {@code vocab .. vocab+imageTokens-1} (the image tokens,
 * rows 0.. of the table) and the k-th {@code <mask><pos>} slot becomes the next two ids (its region's
 * mask token, then its pos token, rows {@code imageTokens + 2k} and {@code + 1}); text ids stay as they are.
 *
 * <p>Extra ids keep TensorRT-LLM's KV-cache reuse exact: an image row's extra id is derived from the
 * image id, so questions about one image share the KV of its prefix and two images never do; a region
 * row's from its tokens' values, since slot k holds a different region in another question. Text
 * positions carry 0.
 *
 * @param inputIds [n] the prompt's ids, table positions at {@code vocab} and beyond
 * @param table    [rows, hidden] row-major: the image tokens, then each slot's mask and pos token
 * @param rows     the table's rows (the request's prompt_vocab_size)
 * @param extraIds [n] per input id, the id of the table its row belongs to (0: a text position)
 */
public record PromptTable(int[] inputIds, float[] table, int rows, long[] extraIds) {

    /**
     * Builds the request form of {@code prompt}.
     *
     * @param vocab       the language model's vocabulary size (the first table id)
     * @param imageId     the image's id (its extra id comes from it)
     * @param imageTokens [imageTokens, hidden] the image's tokens
     * @param regions     the region tokens the prompt's slots refer to
     */
    public static PromptTable of(PromptIds prompt, int vocab, String imageId, float[] imageTokens, RegionTokens regions) {
        int hidden = regions.width();
        int imageRows = imageTokens.length / hidden;
        int[] slots = prompt.slotRegions();
        int rows = imageRows + 2 * slots.length;
        float[] table = Arrays.copyOf(imageTokens, Math.multiplyExact(rows, hidden));
        int[] ids = new int[prompt.ids().length - 1 + imageRows];
        long[] extra = new long[ids.length];
        long imageExtra = extraId(ByteBuffer.wrap(imageId.getBytes(StandardCharsets.UTF_8)));
        int at = 0;
        int slot = 0;
        boolean imageSeen = false;
        int[] source = prompt.ids();
        for (int i = 0; i < source.length; i++) {
            if (source[i] == InterleavedSequence.IMAGE_SENTINEL) {
                if (imageSeen) {
                    throw OspreyException.badInput("the prompt holds more than one image sentinel");
                }
                imageSeen = true;
                for (int r = 0; r < imageRows; r++, at++) {
                    ids[at] = vocab + r;
                    extra[at] = imageExtra;
                }
            } else if (source[i] == InterleavedSequence.MASK_ID) {
                if (slot == slots.length || i + 1 == source.length) {
                    throw OspreyException.badInput("the prompt has more <mask> slots than its " + slots.length + " slot region(s)");
                }
                int row = imageRows + 2 * slot;
                int region = slots[slot++];
                System.arraycopy(regions.maskTokens(), region * hidden, table, row * hidden, hidden);
                System.arraycopy(regions.posTokens(), region * hidden, table, (row + 1) * hidden, hidden);
                long regionExtra = extraId(floatBytes(table, row * hidden, 2 * hidden));
                for (int k = 0; k < 2; k++, at++) {
                    ids[at] = vocab + row + k;
                    extra[at] = regionExtra;
                }
                i++;
            } else {
                ids[at++] = source[i];
            }
        }
        if (slot != slots.length || !imageSeen) {
            throw OspreyException.badInput("the prompt has " + slot + " <mask><pos> slot(s) for " + slots.length + " slot region(s)"
                    + (imageSeen ? "" : " and no image sentinel"));
        }
        return new PromptTable(ids, table, rows, extra);
    }

    private static ByteBuffer floatBytes(float[] values, int from, int count) {
        ByteBuffer bytes = ByteBuffer.allocate(count * Float.BYTES);
        bytes.asFloatBuffer().put(values, from, count);
        return bytes;
    }

    // Extra ids must be at least 1 (0 marks text); a collision needs equal 63-bit digests.
    private static long extraId(ByteBuffer bytes) {
        return (Sha256.leading64(bytes) >>> 1) | 1L;
    }
}
