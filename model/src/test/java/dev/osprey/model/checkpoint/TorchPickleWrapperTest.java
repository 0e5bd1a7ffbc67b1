package dev.osprey.model.checkpoint;

import static org.assertj.core.api.Assertions.assertThat;

import dev.osprey.model.tensor.DType;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** A state dict saved as {@code {"model": state_dict}} (as training scripts do) reads as the state dict itself. */
class TorchPickleWrapperTest {

    @Test
    void modelWrapperIsUnwrapped() {
        List<PendingTensor> tensors = List.of(new PendingTensor("a.weight", DType.F32, new long[] {2, 3}, () -> ByteBuffer.allocate(24)));
        byte[] inner = TorchCheckpointWriter.pickle(tensors);
        ByteArrayOutputStream wrapped = new ByteArrayOutputStream();
        // PROTO 2, EMPTY_DICT, MARK, "model", <inner dict without PROTO and STOP>, SETITEMS, STOP
        wrapped.writeBytes(new byte[] {(byte) 0x80, 2, '}', '(', 'X', 5, 0, 0, 0});
        wrapped.writeBytes("model".getBytes(StandardCharsets.US_ASCII));
        wrapped.write(inner, 2, inner.length - 3);
        wrapped.writeBytes(new byte[] {'u', '.'});
        Map<String, TorchPickle.TensorRef> dict = TorchPickle.loadStateDict(ByteBuffer.wrap(wrapped.toByteArray()), "wrapped");
        assertThat(dict).containsOnlyKeys("a.weight");
        assertThat(dict.get("a.weight").shape()).containsExactly(2, 3);
    }
}
