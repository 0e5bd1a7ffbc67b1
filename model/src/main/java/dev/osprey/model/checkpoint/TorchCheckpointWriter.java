package dev.osprey.model.checkpoint;

import dev.osprey.model.error.OspreyException;
import dev.osprey.model.error.Reason;
import dev.osprey.model.tensor.DType;
import dev.osprey.model.tensor.Shape;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.zip.CRC32;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;

/**
 * Writes a state dict in the PyTorch checkpoint format that {@link TorchCheckpointFile} reads and
 * {@code torch.load} accepts: an uncompressed zip with {@code <archive>/data.pkl} (pickle protocol 2,
 * a dict of {@code _rebuild_tensor_v2} calls over typed storages) and one storage entry per tensor.
 * Tensors are produced and written one at a time.
 */
public final class TorchCheckpointWriter {

    private static final Map<DType, String> STORAGE_CLASSES = Map.of(
            DType.F32, "FloatStorage", DType.F16, "HalfStorage", DType.BF16, "BFloat16Storage",
            DType.F64, "DoubleStorage", DType.I64, "LongStorage", DType.I32, "IntStorage");

    private TorchCheckpointWriter() {
    }

    /** Writes the tensors; the archive name is the file name without its extension, as torch does. */
    public static void write(Path file, List<PendingTensor> tensors) {
        String fileName = file.getFileName().toString();
        String archive = fileName.contains(".") ? fileName.substring(0, fileName.lastIndexOf('.')) : fileName;
        try (ZipOutputStream zip = new ZipOutputStream(Files.newOutputStream(file))) {
            zip.setMethod(ZipOutputStream.STORED);
            store(zip, archive + "/data.pkl", ByteBuffer.wrap(pickle(tensors)));
            store(zip, archive + "/byteorder", ByteBuffer.wrap("little".getBytes(StandardCharsets.US_ASCII)));
            for (int i = 0; i < tensors.size(); i++) {
                PendingTensor tensor = tensors.get(i);
                ByteBuffer data = tensor.data().get();
                long expected = Shape.numel(tensor.shape()) * tensor.dtype().bytes();
                if (data.remaining() != expected) {
                    throw new OspreyException(Reason.INTERNAL, "tensor " + tensor.name() + " produced " + data.remaining() + " bytes, expected " + expected);
                }
                store(zip, archive + "/data/" + i, data);
            }
            store(zip, archive + "/version", ByteBuffer.wrap("3\n".getBytes(StandardCharsets.US_ASCII)));
        } catch (IOException e) {
            throw new OspreyException(Reason.INTERNAL, "cannot write " + file + ": " + e.getMessage(), e);
        }
    }

    private static void store(ZipOutputStream zip, String name, ByteBuffer data) throws IOException {
        CRC32 crc = new CRC32();
        crc.update(data.duplicate());
        ZipEntry entry = new ZipEntry(name);
        entry.setMethod(ZipEntry.STORED);
        entry.setSize(data.remaining());
        entry.setCompressedSize(data.remaining());
        entry.setCrc(crc.getValue());
        zip.putNextEntry(entry);
        if (data.hasArray()) {
            zip.write(data.array(), data.arrayOffset() + data.position(), data.remaining());
        } else {
            byte[] chunk = new byte[1 << 20];
            ByteBuffer source = data.duplicate();
            while (source.hasRemaining()) {
                int n = Math.min(chunk.length, source.remaining());
                source.get(chunk, 0, n);
                zip.write(chunk, 0, n);
            }
        }
        zip.closeEntry();
    }

    /** The state dict pickle: {name: _rebuild_tensor_v2(storage, 0, shape, stride, False, OrderedDict())}. */
    static byte[] pickle(List<PendingTensor> tensors) {
        Pickler p = new Pickler();
        p.op(0x80).op(2); // PROTO 2
        p.op('}').op('(');
        for (int i = 0; i < tensors.size(); i++) {
            PendingTensor tensor = tensors.get(i);
            String storageClass = STORAGE_CLASSES.get(tensor.dtype());
            if (storageClass == null) {
                throw new IllegalArgumentException("no torch storage for " + tensor.dtype());
            }
            p.unicode(tensor.name());
            p.global("torch._utils", "_rebuild_tensor_v2");
            p.op('(');
            p.op('(').unicode("storage").global("torch", storageClass).unicode(Integer.toString(i)).unicode("cpu")
                    .integer(Shape.numel(tensor.shape())).op('t');
            p.op('Q'); // BINPERSID
            p.integer(0);
            p.tuple(tensor.shape());
            p.tuple(Shape.contiguousStrides(tensor.shape()));
            p.op(0x89); // False: requires_grad
            p.global("collections", "OrderedDict").op(')').op('R');
            p.op('t').op('R');
        }
        p.op('u').op('.');
        return p.bytes();
    }

    /** Emits pickle opcodes. */
    private static final class Pickler {
        private final ByteArrayOutputStream out = new ByteArrayOutputStream();

        Pickler op(int code) {
            out.write(code);
            return this;
        }

        Pickler unicode(String s) {
            byte[] bytes = s.getBytes(StandardCharsets.UTF_8);
            op('X');
            int32(bytes.length);
            out.writeBytes(bytes);
            return this;
        }

        Pickler global(String module, String name) {
            op('c');
            out.writeBytes((module + "\n" + name + "\n").getBytes(StandardCharsets.US_ASCII));
            return this;
        }

        Pickler integer(long value) {
            if (value >= Integer.MIN_VALUE && value <= Integer.MAX_VALUE) {
                op('J');
                int32((int) value);
            } else {
                op(0x8a).op(8); // LONG1 with 8 bytes, little-endian two's complement
                for (int i = 0; i < 8; i++) {
                    out.write((int) (value >>> (8 * i)) & 0xFF);
                }
            }
            return this;
        }

        Pickler tuple(long[] values) {
            op('(');
            for (long v : values) {
                integer(v);
            }
            return op('t');
        }

        private void int32(int v) {
            out.write(v & 0xFF);
            out.write((v >>> 8) & 0xFF);
            out.write((v >>> 16) & 0xFF);
            out.write((v >>> 24) & 0xFF);
        }

        byte[] bytes() {
            return out.toByteArray();
        }
    }
}
