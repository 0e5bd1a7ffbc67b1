package dev.osprey.model.checkpoint;

import dev.osprey.model.error.OspreyException;
import dev.osprey.model.error.Reason;
import dev.osprey.model.tensor.Shape;
import dev.osprey.model.tensor.Tensor;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Collections;
import java.util.Map;
import java.util.Set;

/**
 * A PyTorch checkpoint file ({@code torch.save} of a state dict: a zip archive holding
 * {@code <archive>/data.pkl} and one raw little-endian storage per tensor under
 * {@code <archive>/data/<key>}). The pickle is interpreted once; tensors are memory-mapped on request.
 * Other entries ({@code version}, {@code byteorder}, ...) are ignored.
 */
public final class TorchCheckpointFile implements TensorStore {

    private final Path path;
    private final FileChannel channel;
    private final Map<String, ZipIndex.Span> entries;
    private final String archive;
    private final Map<String, TorchPickle.TensorRef> tensors;

    private TorchCheckpointFile(Path path, FileChannel channel, Map<String, ZipIndex.Span> entries, String archive,
            Map<String, TorchPickle.TensorRef> tensors) {
        this.path = path;
        this.channel = channel;
        this.entries = entries;
        this.archive = archive;
        this.tensors = Collections.unmodifiableMap(tensors);
    }

    /** Opens a checkpoint and reads its tensor index. */
    public static TorchCheckpointFile open(Path path) {
        FileChannel channel;
        try {
            channel = FileChannel.open(path, StandardOpenOption.READ);
        } catch (IOException e) {
            throw new OspreyException(Reason.BAD_CHECKPOINT, "cannot open " + path + ": " + e.getMessage(), e);
        }
        try {
            Map<String, ZipIndex.Span> entries = ZipIndex.read(path, channel);
            String pickleEntry = entries.keySet().stream().filter(n -> n.endsWith("/data.pkl") || n.equals("data.pkl"))
                    .findFirst()
                    .orElseThrow(() -> OspreyException.badCheckpoint(path + " is a zip archive but not a PyTorch checkpoint (no data.pkl)"));
            String archive = pickleEntry.substring(0, pickleEntry.length() - "data.pkl".length());
            ZipIndex.Span span = entries.get(pickleEntry);
            ByteBuffer pickle = channel.map(FileChannel.MapMode.READ_ONLY, span.offset(), span.length());
            Map<String, TorchPickle.TensorRef> tensors = TorchPickle.loadStateDict(pickle, path.toString());
            TorchCheckpointFile file = new TorchCheckpointFile(path, channel, entries, archive, tensors);
            tensors.forEach(file::validate);
            return file;
        } catch (IOException | RuntimeException e) {
            try {
                channel.close();
            } catch (IOException ignored) {
                // Already failing; the original error is what matters.
            }
            if (e instanceof OspreyException oe) {
                throw oe;
            }
            throw new OspreyException(Reason.BAD_CHECKPOINT, "cannot read " + path + ": " + e.getMessage(), e);
        }
    }

    /** Tensors must be dense row-major views of a valid size that fit in their storage entry. */
    private void validate(String name, TorchPickle.TensorRef ref) {
        long[] shape = ref.shape();
        int elementBytes = ref.storage().dtype().bytes();
        long bytes = Shape.byteSize(shape, elementBytes);
        // checked before any arithmetic on them: a negative offset or size reached FileChannel.map
        if (bytes < 0 || ref.offset() < 0 || ref.offset() > (Long.MAX_VALUE - bytes) / elementBytes) {
            throw OspreyException.badCheckpoint(path + ": tensor '" + name + "' has an invalid shape " + Shape.toString(shape)
                    + " or storage offset " + ref.offset() + " (negative, or beyond any file)");
        }
        if (ref.stride().length != shape.length) {
            throw OspreyException.badCheckpoint(path + ": tensor '" + name + "' has " + ref.stride().length + " strides for "
                    + shape.length + " dimensions");
        }
        long expected = 1;
        for (int i = shape.length - 1; i >= 0; i--) {
            if (shape[i] != 1 && ref.stride()[i] != expected) {
                throw OspreyException.badCheckpoint(path + ": tensor '" + name + "' is not contiguous (stride "
                        + Shape.toString(ref.stride()) + " for shape " + Shape.toString(shape) + "); save it with .contiguous()");
            }
            expected *= shape[i];
        }
        ZipIndex.Span span = entries.get(archive + "data/" + ref.storage().key());
        long needed = ref.offset() * elementBytes + bytes;
        if (span == null || span.length() < needed) {
            throw OspreyException.badCheckpoint(path + ": storage of tensor '" + name + "' is "
                    + (span == null ? "missing" : "too short (" + span.length() + " bytes, needs " + needed + ")"));
        }
    }

    public Path path() {
        return path;
    }

    @Override
    public Set<String> names() {
        return tensors.keySet();
    }

    @Override
    public Tensor get(String name) {
        TorchPickle.TensorRef ref = tensors.get(name);
        if (ref == null) {
            throw OspreyException.badCheckpoint(path + " has no tensor '" + name + "'");
        }
        ZipIndex.Span span = entries.get(archive + "data/" + ref.storage().key());
        long elementBytes = ref.storage().dtype().bytes();
        long length = Shape.numel(ref.shape()) * elementBytes;
        if (length > Integer.MAX_VALUE) {
            throw OspreyException.badCheckpoint(path + ": tensor '" + name + "' is larger than 2 GiB");
        }
        try {
            ByteBuffer data = length == 0 ? ByteBuffer.allocate(0)
                    : channel.map(FileChannel.MapMode.READ_ONLY, span.offset() + ref.offset() * elementBytes, length);
            return new Tensor(name, ref.storage().dtype(), ref.shape().clone(), data);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot map tensor '" + name + "' of " + path, e);
        }
    }

    @Override
    public void close() {
        try {
            channel.close();
        } catch (IOException ignored) {
            // Read-only: nothing to lose.
        }
    }
}
