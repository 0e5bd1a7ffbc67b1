package dev.osprey.model.onnx;

import static org.assertj.core.api.Assertions.assertThat;

import dev.osprey.model.tensor.DType;
import dev.osprey.onnx.proto.StringStringEntryProto;
import dev.osprey.onnx.proto.TensorProto;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Tensors land in the data file at aligned offsets, whole, however large. */
class ExternalDataTest {

    @TempDir
    Path dir;

    @Test
    void tensorLargerThanOneWriteChunkIsWrittenWholeAtItsAlignedOffset() throws IOException {
        ByteBuffer small = ByteBuffer.wrap(new byte[] {1, 2, 3});
        byte[] large = new byte[40 << 20];
        for (int i = 0; i < large.length; i++) {
            large[i] = (byte) (i * 31 + i / 4093);
        }
        Path file = dir.resolve("w.data");
        TensorProto second;
        try (ExternalData data = new ExternalData(file)) {
            data.append("small", DType.U8, new long[] {3}, small);
            second = data.append("large", DType.U8, new long[] {large.length}, ByteBuffer.wrap(large));
        }
        Map<String, String> location = second.getExternalDataList().stream()
                .collect(Collectors.toMap(StringStringEntryProto::getKey, StringStringEntryProto::getValue));
        assertThat(location).containsEntry("offset", "4096").containsEntry("length", Integer.toString(large.length));
        ByteBuffer back = ByteBuffer.allocate(large.length);
        try (FileChannel in = FileChannel.open(file)) {
            assertThat(in.size()).isEqualTo(4096L + large.length);
            while (back.hasRemaining()) {
                in.read(back, 4096L + back.position());
            }
        }
        assertThat(back.array()).isEqualTo(large);
    }
}
