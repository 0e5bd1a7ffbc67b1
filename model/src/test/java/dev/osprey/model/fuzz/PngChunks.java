package dev.osprey.model.fuzz;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.zip.CRC32;

/**
 * A valid PNG's chunk layout and the structural mutations a byte-blind fuzzer rarely finds: chunk
 * lengths set to boundary values, chunks removed, repeated or swapped, and chunks rewritten or
 * inserted with a correct CRC (so they get past the CRC check to the decoder behind it).
 *
 * @param png    the file
 * @param name   its name, for descriptions
 * @param chunks its chunks in file order
 */
record PngChunks(byte[] png, String name, List<Chunk> chunks) {

    /**
     * One chunk.
     *
     * @param offset where its length field starts
     * @param length its data length
     * @param type   its four-letter type
     */
    record Chunk(int offset, int length, String type) {

        int dataOffset() {
            return offset + 8;
        }

        /** The offset just after its CRC. */
        int end() {
            return offset + 12 + length;
        }
    }

    private static final int SIGNATURE_LENGTH = 8;
    private static final long[] INTERESTING_LENGTHS = {0, 1, 12, 13, 0x7FFFFFF0L, 0x7FFFFFFFL, 0x80000000L, 0xFFFFFFF4L, 0xFFFFFFFFL};
    /** Sizes at the edges of a byte, a short, the pixel limits and an int (46340^2 is just below 2^31). */
    private static final long[] INTERESTING_SIZES = {0, 1, 2, 3, 7, 8, 13, 255, 256, 999, 1000, 1001, 30000, 65535, 65536,
        46340, 46341, 0x7FFFFFFFL, 0x80000000L, 0xFFFFFFFFL};
    private static final String[] CHUNK_TYPES = {"IHDR", "PLTE", "IDAT", "IEND", "tRNS", "eXIf", "gAMA", "iCCP", "sRGB",
        "cHRM", "sBIT", "bKGD", "hIST", "pHYs", "sPLT", "tIME", "tEXt", "zTXt", "iTXt", "acTL", "fcTL", "xYzW"};

    /** The layout of a valid PNG (stops after IEND). */
    static PngChunks of(byte[] png, String name) {
        List<Chunk> chunks = new ArrayList<>();
        ByteBuffer in = ByteBuffer.wrap(png);
        int at = SIGNATURE_LENGTH;
        while (at + 12 <= png.length) {
            int length = in.getInt(at);
            String type = new String(png, at + 4, 4, StandardCharsets.ISO_8859_1);
            chunks.add(new Chunk(at, length, type));
            at += 12 + length;
            if (type.equals("IEND")) {
                break;
            }
        }
        return new PngChunks(png, name, List.copyOf(chunks));
    }

    /** The signature and the IHDR chunk: what a decoder reads before any pixel data. */
    byte[] pngHeader() {
        return Arrays.copyOf(png, chunks.getFirst().end());
    }

    /** Where the pixel data ends: the end of the last IDAT chunk's data (its CRC follows). */
    int pixelDataEnd() {
        Chunk last = chunks.stream().filter(c -> c.type().equals("IDAT")).reduce((a, b) -> b).orElseThrow();
        return last.dataOffset() + last.length();
    }

    /** Offsets worth truncating at: every chunk's start, type, data, middle and CRC, and one byte short of each. */
    List<Integer> truncationPoints() {
        List<Integer> points = new ArrayList<>(List.of(0, 1, SIGNATURE_LENGTH - 1, SIGNATURE_LENGTH));
        for (Chunk c : chunks) {
            for (int p : new int[] {c.offset() + 4, c.dataOffset(), c.dataOffset() + c.length() / 2, c.end() - 4, c.end() - 1, c.end()}) {
                if (p < png.length && !points.contains(p)) {
                    points.add(p);
                }
            }
        }
        return points;
    }

    /** One structural mutation, chosen at random. */
    Mutant mutate(Random random) {
        int k = random.nextInt(chunks.size());
        Chunk c = chunks.get(k);
        String what = name + ": " + c.type() + " (chunk " + k + ")";
        return switch (random.nextInt(7)) {
            case 0 -> {
                long length = random.nextInt(3) == 0 ? c.length() + random.nextInt(3) - 1
                        : INTERESTING_LENGTHS[random.nextInt(INTERESTING_LENGTHS.length)];
                byte[] b = png.clone();
                ByteBuffer.wrap(b).putInt(c.offset(), (int) length);
                yield new Mutant(b, what + " length := 0x" + Long.toHexString(length));
            }
            case 1 -> new Mutant(Mutant.splice(png, c.offset(), c.end(), new byte[0]), what + " removed");
            case 2 -> new Mutant(Mutant.splice(png, c.end(), c.end(), slice(c)), what + " repeated");
            case 3 -> {
                if (k + 1 == chunks.size()) {
                    yield new Mutant(Mutant.splice(png, c.offset(), c.offset(), slice(c)), what + " repeated before itself");
                }
                Chunk next = chunks.get(k + 1);
                byte[] swapped = Mutant.splice(png, c.offset(), next.end(), concat(slice(next), slice(c)));
                yield new Mutant(swapped, what + " swapped with the next chunk");
            }
            case 4 -> {
                Mutant data = c.length() == 0
                        ? Mutant.randomBytes(random, new Seed("empty data", new byte[0]), 16)
                        : Mutant.mutate(random, slice(c.dataOffset(), c.dataOffset() + c.length()), "data");
                yield new Mutant(Mutant.splice(png, c.offset(), c.end(), chunk(c.type(), data.bytes())), what + " re-CRCed with " + data.description());
            }
            case 5 -> rewriteHeader(random);
            default -> {
                String type = CHUNK_TYPES[random.nextInt(CHUNK_TYPES.length)];
                byte[] data = new byte[random.nextInt(random.nextBoolean() ? 14 : 800)];
                random.nextBytes(data);
                yield new Mutant(Mutant.splice(png, c.offset(), c.offset(), chunk(type, data)),
                        name + ": a " + type + " chunk of " + data.length + " random bytes inserted before chunk " + k);
            }
        };
    }

    /** IHDR with random fields (sizes from boundary values), CRC fixed. */
    Mutant rewriteHeader(Random random) {
        Chunk ihdr = chunks.getFirst();
        ByteBuffer header = ByteBuffer.wrap(slice(ihdr.dataOffset(), ihdr.dataOffset() + 13));
        StringBuilder what = new StringBuilder(name + ": IHDR");
        if (random.nextBoolean()) {
            long width = size(random);
            header.putInt(0, (int) width);
            what.append(" width := ").append(width);
        }
        if (random.nextBoolean()) {
            long height = size(random);
            header.putInt(4, (int) height);
            what.append(" height := ").append(height);
        }
        String[] fields = {"bit depth", "colour type", "compression", "filter", "interlace"};
        int[][] values = {{0, 1, 2, 3, 4, 8, 16, 32, 255}, {0, 1, 2, 3, 4, 5, 6, 7, 255}, {0, 1, 255}, {0, 1, 255}, {0, 1, 2, 255}};
        for (int f = 0; f < fields.length; f++) {
            if (random.nextInt(3) == 0) {
                int v = values[f][random.nextInt(values[f].length)];
                header.put(8 + f, (byte) v);
                what.append(' ').append(fields[f]).append(" := ").append(v);
            }
        }
        return new Mutant(Mutant.splice(png, ihdr.offset(), ihdr.end(), chunk("IHDR", header.array())), what.toString());
    }

    /** A chunk with its length and a correct CRC. */
    static byte[] chunk(String type, byte[] data) {
        ByteBuffer out = ByteBuffer.allocate(12 + data.length);
        out.putInt(data.length).put(type.getBytes(StandardCharsets.ISO_8859_1)).put(data);
        CRC32 crc = new CRC32();
        crc.update(out.array(), 4, 4 + data.length);
        return out.putInt((int) crc.getValue()).array();
    }

    private static long size(Random random) {
        return random.nextBoolean() ? INTERESTING_SIZES[random.nextInt(INTERESTING_SIZES.length)] : 1 + random.nextInt(1200);
    }

    private byte[] slice(Chunk c) {
        return slice(c.offset(), c.end());
    }

    private byte[] slice(int from, int to) {
        return Arrays.copyOfRange(png, from, to);
    }

    private static byte[] concat(byte[] a, byte[] b) {
        return Mutant.splice(a, a.length, a.length, b);
    }
}
