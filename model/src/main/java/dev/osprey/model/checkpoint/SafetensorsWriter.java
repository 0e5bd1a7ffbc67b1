package dev.osprey.model.checkpoint;

import dev.osprey.model.error.OspreyException;
import dev.osprey.model.error.Reason;
import dev.osprey.model.tensor.Shape;
import dev.osprey.model.tensor.Tensor;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * Writes safetensors files tensor by tensor: the header is computed from names, dtypes and shapes,
 * then each tensor's bytes are produced and written in turn, so only one tensor is in memory at a time.
 */
public final class SafetensorsWriter {

    private static final JsonMapper JSON = JsonMapper.builder().build();

    private SafetensorsWriter() {
    }

    /** Writes tensors in the given order. */
    public static void write(Path file, List<PendingTensor> entries, Map<String, String> metadata) {
        ObjectNode header = JSON.createObjectNode();
        if (!metadata.isEmpty()) {
            ObjectNode meta = header.putObject("__metadata__");
            new LinkedHashMap<>(metadata).forEach(meta::put);
        }
        long offset = 0;
        for (PendingTensor entry : entries) {
            long length = Shape.numel(entry.shape()) * entry.dtype().bytes();
            ObjectNode node = header.putObject(entry.name());
            node.put("dtype", entry.dtype().safetensorsName());
            ArrayNode shape = node.putArray("shape");
            for (long d : entry.shape()) {
                shape.add(d);
            }
            node.putArray("data_offsets").add(offset).add(offset + length);
            offset += length;
        }
        byte[] json = JSON.writeValueAsString(header).getBytes(StandardCharsets.UTF_8);
        // Pad the header with spaces so that the data starts 8-byte aligned, as the format recommends.
        int padded = (json.length + 7) / 8 * 8;
        ByteBuffer prefix = ByteBuffer.allocate(8 + padded).order(ByteOrder.LITTLE_ENDIAN);
        prefix.putLong(padded).put(json);
        while (prefix.hasRemaining()) {
            prefix.put((byte) ' ');
        }
        try (FileChannel out = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.TRUNCATE_EXISTING)) {
            writeFully(out, prefix.flip());
            for (PendingTensor entry : entries) {
                ByteBuffer data = entry.data().get();
                long expected = Shape.numel(entry.shape()) * entry.dtype().bytes();
                if (data.remaining() != expected) {
                    throw new OspreyException(Reason.INTERNAL, "tensor " + entry.name() + " produced " + data.remaining()
                            + " bytes, expected " + expected);
                }
                writeFully(out, data);
            }
        } catch (IOException e) {
            throw new OspreyException(Reason.INTERNAL, "cannot write " + file + ": " + e.getMessage(), e);
        }
    }

    /** Writes existing tensors in the given order. */
    public static void writeTensors(Path file, List<Tensor> tensors, Map<String, String> metadata) {
        write(file, tensors.stream().map(PendingTensor::of).toList(), metadata);
    }

    static void writeFully(FileChannel out, ByteBuffer data) throws IOException {
        while (data.hasRemaining()) {
            out.write(data);
        }
    }
}
