package dev.osprey.model.checkpoint;

import dev.osprey.model.error.OspreyException;
import dev.osprey.model.error.Reason;
import dev.osprey.model.tensor.DType;
import dev.osprey.model.tensor.Shape;
import dev.osprey.model.tensor.Tensor;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * A safetensors file, read lazily: the header is parsed once, each tensor is memory-mapped on
 * request (one mapping per tensor, so no tensor may exceed 2 GiB).
 *
 * <p>Format: an 8-byte little-endian header length, a JSON header
 * {@code {name: {dtype, shape, data_offsets: [begin, end]}, "__metadata__": {...}}}, then the data;
 * offsets are relative to the end of the header.
 */
public final class SafetensorsFile implements TensorStore {

    private record Entry(DType dtype, long[] shape, long begin, long end) {
    }

    private static final JsonMapper JSON = JsonMapper.builder().build();
    /** Guards against a corrupt length field sending us to allocate gigabytes for the header. */
    private static final long MAX_HEADER_BYTES = 100L << 20;

    private final Path path;
    private final FileChannel channel;
    private final long dataStart;
    private final Map<String, Entry> entries;
    private final Map<String, String> metadata;

    private SafetensorsFile(Path path, FileChannel channel, long dataStart, Map<String, Entry> entries, Map<String, String> metadata) {
        this.path = path;
        this.channel = channel;
        this.dataStart = dataStart;
        this.entries = entries;
        this.metadata = metadata;
    }

    /** Opens and validates a safetensors file. */
    public static SafetensorsFile open(Path path) {
        FileChannel channel;
        try {
            channel = FileChannel.open(path, StandardOpenOption.READ);
        } catch (IOException e) {
            throw new OspreyException(Reason.BAD_CHECKPOINT, "cannot open safetensors file " + path + ": " + e.getMessage(), e);
        }
        try {
            long size = channel.size();
            ByteBuffer lengthBytes = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
            readFully(channel, lengthBytes, 0);
            long headerLength = lengthBytes.getLong(0);
            if (headerLength <= 0 || headerLength > MAX_HEADER_BYTES || 8 + headerLength > size) {
                throw OspreyException.badCheckpoint(path + " is not a safetensors file (header length " + headerLength + ", file size " + size + ")");
            }
            ByteBuffer header = ByteBuffer.allocate((int) headerLength);
            readFully(channel, header, 8);
            JsonNode root = JSON.readTree(new String(header.array(), StandardCharsets.UTF_8));
            if (root == null || !root.isObject()) {
                throw OspreyException.badCheckpoint(path + " is not a safetensors file (its header is not a JSON object)");
            }
            Map<String, Entry> entries = new LinkedHashMap<>();
            Map<String, String> metadata = new LinkedHashMap<>();
            long dataSize = size - 8 - headerLength;
            for (Map.Entry<String, JsonNode> field : root.properties()) {
                if (field.getKey().equals("__metadata__")) {
                    for (Map.Entry<String, JsonNode> m : field.getValue().properties()) {
                        if (!m.getValue().isString()) {
                            throw OspreyException.badCheckpoint(path + ": __metadata__ entry '" + m.getKey() + "' is not a string");
                        }
                        metadata.put(m.getKey(), m.getValue().asString());
                    }
                    continue;
                }
                entries.put(field.getKey(), parseEntry(path, field.getKey(), field.getValue(), dataSize));
            }
            return new SafetensorsFile(path, channel, 8 + headerLength, Collections.unmodifiableMap(entries), Collections.unmodifiableMap(metadata));
        } catch (IOException | RuntimeException e) {
            closeQuietly(channel);
            if (e instanceof OspreyException oe) {
                throw oe;
            }
            throw new OspreyException(Reason.BAD_CHECKPOINT, "cannot read safetensors file " + path + ": " + e.getMessage(), e);
        }
    }

    private static Entry parseEntry(Path path, String name, JsonNode node, long dataSize) {
        JsonNode shapeNode = node.path("shape");
        JsonNode offsets = node.path("data_offsets");
        // Checked, not coerced: Jackson would read "shape": ["2"] as [2] and fail on [[2]] with its own words.
        if (!node.path("dtype").isString() || !isLongs(shapeNode) || !isLongs(offsets) || offsets.size() != 2) {
            throw OspreyException.badCheckpoint(path + ": tensor '" + name + "' needs \"dtype\" (a string), \"shape\" (a list of"
                    + " integers) and \"data_offsets\" ([begin, end]), got " + abbreviate(node.toString()));
        }
        DType dtype;
        try {
            dtype = DType.fromSafetensors(node.get("dtype").asString());
        } catch (OspreyException e) {
            throw OspreyException.badCheckpoint(path + ": tensor '" + name + "': " + e.getMessage());
        }
        long[] shape = new long[shapeNode.size()];
        for (int i = 0; i < shape.length; i++) {
            shape[i] = shapeNode.get(i).asLong();
        }
        long bytes = Shape.byteSize(shape, dtype.bytes());
        if (bytes < 0) {
            throw OspreyException.badCheckpoint(path + ": tensor '" + name + "' has an invalid shape " + Shape.toString(shape)
                    + " (a negative dimension, or more bytes than a long holds)");
        }
        long begin = offsets.get(0).asLong();
        long end = offsets.get(1).asLong();
        if (begin < 0 || end < begin || end > dataSize || end - begin != bytes) {
            throw OspreyException.badCheckpoint(path + ": tensor '" + name + "' " + dtype + Shape.toString(shape)
                    + " has invalid data_offsets [" + begin + ", " + end + "] (data section is " + dataSize + " bytes)");
        }
        return new Entry(dtype, shape, begin, end);
    }

    private static boolean isLongs(JsonNode list) {
        if (!list.isArray()) {
            return false;
        }
        for (JsonNode value : list) {
            if (!value.isIntegralNumber() || !value.canConvertToLong()) {
                return false;
            }
        }
        return true;
    }

    private static String abbreviate(String json) {
        return json.length() > 100 ? json.substring(0, 100) + "..." : json;
    }

    public Path path() {
        return path;
    }

    /** The {@code __metadata__} block (empty when absent). */
    public Map<String, String> metadata() {
        return metadata;
    }

    @Override
    public Set<String> names() {
        return entries.keySet();
    }

    @Override
    public Tensor get(String name) {
        Entry entry = entries.get(name);
        if (entry == null) {
            throw OspreyException.badCheckpoint(path + " has no tensor '" + name + "'");
        }
        long length = entry.end - entry.begin;
        if (length > Integer.MAX_VALUE) {
            throw OspreyException.badCheckpoint(path + ": tensor '" + name + "' is larger than 2 GiB");
        }
        try {
            ByteBuffer data = length == 0
                    ? ByteBuffer.allocate(0)
                    : channel.map(FileChannel.MapMode.READ_ONLY, dataStart + entry.begin, length);
            return new Tensor(name, entry.dtype, entry.shape.clone(), data);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot map tensor '" + name + "' of " + path, e);
        }
    }

    @Override
    public void close() {
        closeQuietly(channel);
    }

    private static void readFully(FileChannel channel, ByteBuffer buffer, long position) throws IOException {
        while (buffer.hasRemaining()) {
            int read = channel.read(buffer, position + buffer.position());
            if (read < 0) {
                throw new IOException("unexpected end of file");
            }
        }
        buffer.flip();
    }

    private static void closeQuietly(FileChannel channel) {
        try {
            channel.close();
        } catch (IOException ignored) {
            // Closing a read-only channel cannot lose data.
        }
    }
}
