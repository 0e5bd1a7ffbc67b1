package dev.osprey.model.trtllm;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.osprey.model.error.OspreyException;
import dev.osprey.model.region.RegionTokens;
import dev.osprey.model.text.PromptIds;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

/** A prompt's request form: table ids in place of the image and region slots, rows in that order, extra ids per table. */
class PromptTableTest {

    private static final int VOCAB = 10;
    // BOS, text, the image sentinel, text, one <mask><pos> slot (region 1), text.
    private static final PromptIds PROMPT = new PromptIds(new int[] {1, 5, -200, 7, 32000, 32001, 8}, new int[] {1}, "");
    private static final float[] IMAGE = {0.1f, 0.2f, 0.3f, 0.4f, 0.5f, 0.6f};
    private static final RegionTokens REGIONS = new RegionTokens(new float[] {1, 2, 3, 4}, new float[] {5, 6, 7, 8}, 2, 2, new int[2][]);

    @Test
    void imageAndRegionSlotsBecomeTableIdsPastTheVocabularyInTableRowOrder() {
        PromptTable table = PromptTable.of(PROMPT, VOCAB, "image-a", IMAGE, REGIONS);
        assertThat(table.inputIds()).containsExactly(1, 5, 10, 11, 12, 7, 13, 14, 8);
        assertThat(table.rows()).isEqualTo(5);
        // Rows: the three image tokens, then region 1's mask token and pos token.
        assertThat(table.table()).containsExactly(0.1f, 0.2f, 0.3f, 0.4f, 0.5f, 0.6f, 3, 4, 7, 8);
    }

    @Test
    void extraIdsNameTheImageAndTheRegionTokensAndAreZeroOnText() {
        long[] extra = PromptTable.of(PROMPT, VOCAB, "image-a", IMAGE, REGIONS).extraIds();
        assertThat(new long[] {extra[0], extra[1], extra[5], extra[8]}).containsOnly(0L);
        assertThat(extra[2]).isPositive().isEqualTo(extra[3]).isEqualTo(extra[4]);
        assertThat(extra[6]).isPositive().isEqualTo(extra[7]).isNotEqualTo(extra[2]);

        long[] otherImage = PromptTable.of(PROMPT, VOCAB, "image-b", IMAGE, REGIONS).extraIds();
        assertThat(otherImage[2]).as("another image never shares the image rows' KV").isNotEqualTo(extra[2]);
        assertThat(otherImage[6]).as("equal region tokens share theirs").isEqualTo(extra[6]);

        PromptIds regionZero = new PromptIds(PROMPT.ids(), new int[] {0}, "");
        long[] otherRegion = PromptTable.of(regionZero, VOCAB, "image-a", IMAGE, REGIONS).extraIds();
        assertThat(Arrays.copyOfRange(otherRegion, 0, 6)).as("same image, same text before the slot").isEqualTo(Arrays.copyOfRange(extra, 0, 6));
        assertThat(otherRegion[6]).as("another region in the same slot is another table row").isNotEqualTo(extra[6]);
    }

    @Test
    void aPromptWithMoreSlotsThanRegionsIsRefused() {
        PromptIds twoSlots = new PromptIds(new int[] {1, -200, 32000, 32001, 32000, 32001}, new int[] {0}, "");
        assertThatThrownBy(() -> PromptTable.of(twoSlots, VOCAB, "image-a", IMAGE, REGIONS)).isInstanceOf(OspreyException.class)
                .hasMessageContaining("<mask> slots");
    }
}
