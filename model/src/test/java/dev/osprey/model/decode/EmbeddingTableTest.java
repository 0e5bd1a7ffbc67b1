package dev.osprey.model.decode;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.osprey.model.checkpoint.SafetensorsFile;
import dev.osprey.model.error.OspreyException;
import dev.osprey.model.error.Reason;
import dev.osprey.model.tensor.Floats;
import java.nio.ByteBuffer;
import org.junit.jupiter.api.Test;

/** Rows of the bf16 embedding table become exact float32 copies; replaced ids are rejected. */
class EmbeddingTableTest {

    @Test
    void rowIsTheBf16RowUpcastExactly() {
        try (SafetensorsFile weights = GoldenDecoder.weights()) {
            EmbeddingTable table = EmbeddingTable.from(weights);
            ByteBuffer raw = weights.get(DecoderConfig.EMBED_TOKENS).bytes();
            int id = 29871;
            float[] row = table.row(id);
            assertThat(table.vocab()).isEqualTo(32000);
            assertThat(row).hasSize(table.hidden());
            for (int j = 0; j < row.length; j++) {
                assertThat(row[j]).isEqualTo(Floats.bf16ToFloat(raw.getShort(2 * (id * table.hidden() + j))));
            }
        }
    }

    @Test
    void maskIdHasNoEmbedding() {
        try (SafetensorsFile weights = GoldenDecoder.weights()) {
            EmbeddingTable table = EmbeddingTable.from(weights);
            assertThatThrownBy(() -> table.row(InterleavedSequence.MASK_ID))
                    .isInstanceOfSatisfying(OspreyException.class, e -> assertThat(e.reason()).isEqualTo(Reason.BAD_INPUT))
                    .hasMessageContaining("token id 32000");
        }
    }
}
