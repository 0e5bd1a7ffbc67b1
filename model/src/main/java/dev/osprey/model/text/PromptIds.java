package dev.osprey.model.text;

import java.util.Arrays;

/**
 * A tokenised prompt as the reference forms it: BOS, text ids, {@value SpecialIds#IMAGE_SENTINEL}
 * where the image tokens go, and a {@code <mask> <pos>} id pair per region slot. The arrays belong to
 * this record; do not modify them.
 *
 * @param ids         the prompt ids
 * @param slotRegions for the k-th {@code <mask><pos>} pair in {@code ids}, the 0-based index of the
 *                    mask whose tokens replace it
 * @param prompt      the reference's prompt string (slots as {@code <image>}, {@code <mask><pos>},
 *                    {@code </s>}; BOS not shown), for logs
 */
public record PromptIds(int[] ids, int[] slotRegions, String prompt) {

    @Override
    public boolean equals(Object other) {
        return other instanceof PromptIds that && Arrays.equals(ids, that.ids)
                && Arrays.equals(slotRegions, that.slotRegions) && prompt.equals(that.prompt);
    }

    @Override
    public int hashCode() {
        return 31 * (31 * Arrays.hashCode(ids) + Arrays.hashCode(slotRegions)) + prompt.hashCode();
    }

    @Override
    public String toString() {
        return "PromptIds[" + ids.length + " ids, slotRegions=" + Arrays.toString(slotRegions) + ", prompt="
                + prompt + "]";
    }
}
