package dev.osprey.service;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.ByteString;
import dev.osprey.internal.v1.DataType;
import dev.osprey.internal.v1.Tensor;
import dev.osprey.model.error.OspreyException;
import dev.osprey.model.vision.FeatureMap;
import org.junit.jupiter.api.Test;

class TensorMessagesTest {

    @Test
    void floatsRoundTripAsLittleEndianBytes() {
        Tensor message = TensorMessages.floats("t", new long[] {2, 3}, new float[] {1, 2, 3, 4, 5, -6.5f});
        assertThat(message.getData().toByteArray()).startsWith(0, 0, (byte) 0x80, 0x3f);
        assertThat(TensorMessages.floats(message, "t", 2, -1)).containsExactly(1, 2, 3, 4, 5, -6.5f);
    }

    @Test
    void aWrongShapeDtypeOrByteCountIsNamed() {
        Tensor good = TensorMessages.floats("t", new long[] {2, 3}, new float[6]);
        assertThatThrownBy(() -> TensorMessages.floats(good, "region_tokens.mask_tokens", 3, -1))
                .isInstanceOf(OspreyException.class).hasMessageContaining("region_tokens.mask_tokens: shape [2, 3] is not [3, -1]");
        assertThatThrownBy(() -> TensorMessages.floats(good.toBuilder().setDtype(DataType.FLOAT16).build(), "x", 2, 3))
                .hasMessageContaining("x: dtype FLOAT16 is not FLOAT32");
        assertThatThrownBy(() -> TensorMessages.floats(good.toBuilder().setData(ByteString.copyFrom(new byte[23])).build(), "x", 2, 3))
                .hasMessageContaining("x: 23 bytes of data for shape [2, 3] (float32 needs 24 bytes)");
        Tensor huge = good.toBuilder().clearShape().addShape(1L << 40).addShape(-1).build();
        assertThatThrownBy(() -> TensorMessages.floats(huge, "x", -1, -1)).hasMessageContaining("needs a valid shape");
    }

    @Test
    void aFeatureMapRoundTripsWithItsNameAndShape() {
        FeatureMap map = new FeatureMap("res5", 2, 1, 3, new float[] {1, 2, 3, 4, 5, 6});
        Tensor message = TensorMessages.featureMap(map);
        assertThat(message.getName()).isEqualTo("res5");

        FeatureMap read = TensorMessages.featureMap(message, "encoder feature map 3");

        assertThat(read.name()).isEqualTo("res5");
        assertThat(read.shape()).containsExactly(2, 1, 3);
        assertThat(read.values()).containsExactly(1, 2, 3, 4, 5, 6);
        Tensor flat = TensorMessages.floats("res5", new long[] {6}, new float[6]);
        assertThatThrownBy(() -> TensorMessages.featureMap(flat, "encoder feature map 3"))
                .isInstanceOf(OspreyException.class).hasMessageContaining("encoder feature map 3: shape [6] is not [-1, -1, -1]");
    }
}
