package dev.osprey.model.checkpoint;

import dev.osprey.model.error.OspreyException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Where each entry's bytes lie inside a zip archive, read from its central directory (ZIP64
 * included), so that stored (uncompressed) entries can be memory-mapped instead of inflated. PyTorch
 * checkpoints are such archives.
 */
final class ZipIndex {

    /** An entry's data: absolute file offset and length; only stored entries are allowed. */
    record Span(long offset, long length) {
    }

    private static final int EOCD_SIGNATURE = 0x06054b50;
    private static final int ZIP64_LOCATOR_SIGNATURE = 0x07064b50;
    private static final int ZIP64_EOCD_SIGNATURE = 0x06064b50;
    private static final int CENTRAL_SIGNATURE = 0x02014b50;
    private static final int LOCAL_SIGNATURE = 0x04034b50;

    private ZipIndex() {
    }

    /** Reads the central directory; entry names map to their data spans, in archive order. */
    static Map<String, Span> read(Path path, FileChannel channel) throws IOException {
        long size = channel.size();
        // The end-of-central-directory record sits in the last 22 + 65535 (comment) bytes.
        int tailLength = (int) Math.min(size, 22 + 65535);
        ByteBuffer tail = readAt(channel, size - tailLength, tailLength);
        int eocd = -1;
        for (int i = tailLength - 22; i >= 0; i--) {
            if (tail.getInt(i) == EOCD_SIGNATURE) {
                eocd = i;
                break;
            }
        }
        if (eocd < 0) {
            throw OspreyException.badCheckpoint(path + " is not a zip archive (no end-of-central-directory record); "
                    + "PyTorch checkpoints written before torch 1.6 (legacy tar/pickle format) are not supported: re-save with torch.save");
        }
        long entries = Short.toUnsignedLong(tail.getShort(eocd + 10));
        long directorySize = Integer.toUnsignedLong(tail.getInt(eocd + 12));
        long directoryOffset = Integer.toUnsignedLong(tail.getInt(eocd + 16));
        long eocdPosition = size - tailLength + eocd;
        if (eocdPosition >= 20) {
            ByteBuffer locator = readAt(channel, eocdPosition - 20, 20);
            if (locator.getInt(0) == ZIP64_LOCATOR_SIGNATURE) {
                long zip64Offset = locator.getLong(8);
                ByteBuffer zip64 = zip64Offset >= 0 && zip64Offset <= size - 56 ? readAt(channel, zip64Offset, 56) : null;
                if (zip64 == null || zip64.getInt(0) != ZIP64_EOCD_SIGNATURE) {
                    throw OspreyException.badCheckpoint(path + ": corrupt ZIP64 end-of-central-directory record");
                }
                entries = zip64.getLong(32);
                directorySize = zip64.getLong(40);
                directoryOffset = zip64.getLong(48);
            }
        }
        // Each field on its own: ZIP64 ones are 64-bit, so a sum could overflow.
        if (directoryOffset < 0 || directorySize < 0 || directoryOffset > size - directorySize || directorySize > Integer.MAX_VALUE) {
            throw OspreyException.badCheckpoint(path + ": truncated zip archive (central directory beyond the end of the file)");
        }
        ByteBuffer directory = readAt(channel, directoryOffset, (int) directorySize);
        Map<String, Span> spans = new LinkedHashMap<>();
        int at = 0;
        for (long n = 0; n < entries; n++) {
            // Every read below stays inside the directory: its fields come from the file.
            if (at > directory.limit() - 46 || directory.getInt(at) != CENTRAL_SIGNATURE) {
                throw OspreyException.badCheckpoint(path + ": corrupt zip central directory (entry " + n + " of " + entries + " not found)");
            }
            int method = Short.toUnsignedInt(directory.getShort(at + 10));
            long compressed = Integer.toUnsignedLong(directory.getInt(at + 20));
            long uncompressed = Integer.toUnsignedLong(directory.getInt(at + 24));
            int nameLength = Short.toUnsignedInt(directory.getShort(at + 28));
            int extraLength = Short.toUnsignedInt(directory.getShort(at + 30));
            int commentLength = Short.toUnsignedInt(directory.getShort(at + 32));
            long localOffset = Integer.toUnsignedLong(directory.getInt(at + 42));
            if (at + 46 + nameLength + extraLength + commentLength > directory.limit()) {
                throw OspreyException.badCheckpoint(path + ": corrupt zip central directory (entry " + n + " runs past its end)");
            }
            byte[] nameBytes = new byte[nameLength];
            directory.get(at + 46, nameBytes);
            String name = new String(nameBytes, StandardCharsets.UTF_8);
            // ZIP64 extra field: the 0xFFFFFFFF fields, in order, are replaced by 8-byte values.
            int extra = at + 46 + nameLength;
            for (int e = extra; e + 4 <= extra + extraLength; ) {
                int id = Short.toUnsignedInt(directory.getShort(e));
                int length = Short.toUnsignedInt(directory.getShort(e + 2));
                if (id == 0x0001) {
                    int v = e + 4;
                    int wanted = 8 * ((uncompressed == 0xFFFFFFFFL ? 1 : 0) + (compressed == 0xFFFFFFFFL ? 1 : 0)
                            + (localOffset == 0xFFFFFFFFL ? 1 : 0));
                    if (wanted > length || e + 4 + length > extra + extraLength) {
                        throw OspreyException.badCheckpoint(path + ": corrupt ZIP64 extra field of " + name);
                    }
                    if (uncompressed == 0xFFFFFFFFL) {
                        uncompressed = directory.getLong(v);
                        v += 8;
                    }
                    if (compressed == 0xFFFFFFFFL) {
                        compressed = directory.getLong(v);
                        v += 8;
                    }
                    if (localOffset == 0xFFFFFFFFL) {
                        localOffset = directory.getLong(v);
                    }
                }
                e += 4 + length;
            }
            if (method != 0 && compressed != 0) {
                throw OspreyException.badCheckpoint(path + ": entry " + name + " is compressed (method " + method
                        + "); PyTorch writes checkpoints uncompressed, re-save with torch.save");
            }
            ByteBuffer local = localOffset >= 0 && localOffset <= size - 30 ? readAt(channel, localOffset, 30) : null;
            if (local == null || local.getInt(0) != LOCAL_SIGNATURE) {
                throw OspreyException.badCheckpoint(path + ": corrupt local header of " + name);
            }
            long dataOffset = localOffset + 30 + Short.toUnsignedInt(local.getShort(26)) + Short.toUnsignedInt(local.getShort(28));
            if (uncompressed < 0 || dataOffset > size - uncompressed) {
                throw OspreyException.badCheckpoint(path + ": entry " + name + " extends beyond the end of the file (truncated download?)");
            }
            spans.put(name, new Span(dataOffset, uncompressed));
            at += 46 + nameLength + extraLength + commentLength;
        }
        return spans;
    }

    private static ByteBuffer readAt(FileChannel channel, long position, int length) throws IOException {
        ByteBuffer buffer = ByteBuffer.allocate(length).order(ByteOrder.LITTLE_ENDIAN);
        while (buffer.hasRemaining()) {
            if (channel.read(buffer, position + buffer.position()) < 0) {
                throw new IOException("unexpected end of file");
            }
        }
        return buffer.flip();
    }
}
