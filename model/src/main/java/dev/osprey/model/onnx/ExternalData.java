package dev.osprey.model.onnx;

import dev.osprey.model.error.OspreyException;
import dev.osprey.model.error.Reason;
import dev.osprey.model.tensor.DType;
import dev.osprey.onnx.proto.StringStringEntryProto;
import dev.osprey.onnx.proto.TensorProto;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * The external-data file beside an ONNX model: tensors are appended as they are added to a graph,
 * and the graph keeps only a reference (location, offset, length). Offsets are aligned so that ONNX
 * Runtime can memory-map them.
 */
public final class ExternalData implements AutoCloseable {

    private static final int ALIGNMENT = 4096;
    private static final int WRITE_CHUNK = 16 << 20;

    private final Path file;
    private final FileChannel channel;
    private long size;

    /** Creates (or truncates) the data file. Its name is recorded relative to the model file's folder. */
    public ExternalData(Path file) {
        this.file = file;
        try {
            this.channel = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                    StandardOpenOption.TRUNCATE_EXISTING);
        } catch (IOException e) {
            throw new OspreyException(Reason.INTERNAL, "cannot create " + file + ": " + e.getMessage(), e);
        }
    }

    /** Appends the bytes and returns an initializer that refers to them. */
    public TensorProto append(String name, DType dtype, long[] shape, ByteBuffer data) {
        long offset = (size + ALIGNMENT - 1) / ALIGNMENT * ALIGNMENT;
        long length = data.remaining();
        try {
            channel.position(offset);
            while (data.hasRemaining()) {
                // The JDK copies a heap buffer through a temporary direct buffer of the write's size:
                // bounded writes keep a 500 MB tensor from needing another 500 MB of direct memory.
                int chunk = Math.min(data.remaining(), WRITE_CHUNK);
                ByteBuffer slice = data.slice(data.position(), chunk);
                while (slice.hasRemaining()) {
                    channel.write(slice);
                }
                data.position(data.position() + chunk);
            }
        } catch (IOException e) {
            throw new OspreyException(Reason.INTERNAL, "cannot write " + file + ": " + e.getMessage(), e);
        }
        size = offset + length;
        TensorProto.Builder tensor = TensorProto.newBuilder()
                .setName(name)
                .setDataType(dtype.onnxType())
                .setDataLocation(TensorProto.DataLocation.EXTERNAL)
                .addExternalData(entry("location", file.getFileName().toString()))
                .addExternalData(entry("offset", Long.toString(offset)))
                .addExternalData(entry("length", Long.toString(length)));
        for (long d : shape) {
            tensor.addDims(d);
        }
        return tensor.build();
    }

    /** Bytes written so far. */
    public long size() {
        return size;
    }

    @Override
    public void close() {
        try {
            channel.close();
        } catch (IOException e) {
            throw new OspreyException(Reason.INTERNAL, "cannot close " + file + ": " + e.getMessage(), e);
        }
    }

    private static StringStringEntryProto entry(String key, String value) {
        return StringStringEntryProto.newBuilder().setKey(key).setValue(value).build();
    }
}
