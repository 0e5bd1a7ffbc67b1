package dev.osprey.model.mask;

import dev.osprey.model.error.OspreyException;
import java.util.Arrays;

/**
 * COCO run-length encoding, as pycocotools writes and reads it.
 *
 * <p>Counts are run lengths over the pixels in column-major order ({@code x * height + y}),
 * alternating outside/inside and starting with a (possibly empty) run outside. The compressed
 * string form stores each count (from the fourth on, minus the count two places before it) as
 * signed little-endian 5-bit groups, one character {@code 48 + group} each, with bit 0x20 marking
 * that another group follows and bit 0x10 of the last group carrying the sign.
 */
public final class CocoRle {

    private static final int CHAR_OFFSET = 48;
    private static final int MORE = 0x20;
    private static final int SIGN = 0x10;
    private static final int GROUP = 0x1f;

    private CocoRle() {
    }

    /** The uncompressed counts of a mask (pycocotools' {@code encode} before compression). */
    public static int[] counts(BinaryMask mask) {
        int h = mask.height();
        int w = mask.width();
        byte[] pixels = mask.pixels();
        int[] runs = new int[16];
        int n = 0;
        byte current = 0;
        int length = 0;
        for (int x = 0; x < w; x++) {
            for (int y = 0; y < h; y++) {
                byte p = pixels[y * w + x];
                if (p != current) {
                    if (n == runs.length) {
                        runs = Arrays.copyOf(runs, 2 * n);
                    }
                    runs[n++] = length;
                    length = 0;
                    current = p;
                }
                length++;
            }
        }
        runs = n == runs.length ? Arrays.copyOf(runs, n + 1) : runs;
        runs[n++] = length;
        return Arrays.copyOf(runs, n);
    }

    /**
     * The mask that uncompressed counts describe; fails with {@code BAD_INPUT} when the size is not
     * {@linkplain BinaryMask#requireValidSize valid}, a count is negative (a uint32 above 2^31 - 1
     * arrives as a negative int) or they do not sum to {@code height * width}.
     */
    public static BinaryMask fromCounts(int height, int width, int[] counts) {
        BinaryMask.requireValidSize(height, width);
        long expected = (long) height * width;
        long sum = 0;
        for (int i = 0; i < counts.length; i++) {
            if (counts[i] < 0) {
                throw OspreyException.badInput("RLE count " + i + " is negative (" + counts[i] + ")");
            }
            sum += counts[i];
        }
        if (sum != expected) {
            throw OspreyException.badInput("RLE counts sum to " + sum + ", expected h*w = " + expected);
        }
        BinaryMask mask = BinaryMask.empty(height, width);
        byte[] pixels = mask.pixels();
        int position = 0;
        for (int i = 0; i < counts.length; i++) {
            int end = position + counts[i];
            if (i % 2 == 1) {
                for (int p = position; p < end; p++) {
                    pixels[(p % height) * width + p / height] = 1;
                }
            }
            position = end;
        }
        return mask;
    }

    /** The compressed string of a mask, identical to pycocotools' {@code encode(...)['counts']}. */
    public static String encode(BinaryMask mask) {
        return compress(counts(mask));
    }

    /** The mask a compressed string describes ({@code BAD_INPUT} if the string is malformed). */
    public static BinaryMask decode(int height, int width, String compressed) {
        return fromCounts(height, width, decompress(compressed));
    }

    /** Counts to the compressed string form. */
    public static String compress(int[] counts) {
        StringBuilder out = new StringBuilder(counts.length * 2);
        for (int i = 0; i < counts.length; i++) {
            long x = counts[i];
            if (i > 2) {
                x -= counts[i - 2];
            }
            boolean more = true;
            while (more) {
                int group = (int) (x & GROUP);
                x >>= 5;
                // the last group's 0x10 bit is the sign, so a positive number ending in it needs one more group
                more = (group & SIGN) != 0 ? x != -1 : x != 0;
                if (more) {
                    group |= MORE;
                }
                out.append((char) (group + CHAR_OFFSET));
            }
        }
        return out.toString();
    }

    /** The compressed string form to counts (not yet checked against a size). */
    public static int[] decompress(String compressed) {
        int[] counts = new int[Math.max(4, compressed.length())];
        int n = 0;
        int p = 0;
        while (p < compressed.length()) {
            long x = 0;
            int shift = 0;
            boolean more = true;
            while (more) {
                if (p == compressed.length()) {
                    throw OspreyException.badInput("RLE string ends in the middle of a count");
                }
                int c = compressed.charAt(p) - CHAR_OFFSET;
                if (c < 0 || c > GROUP + MORE) {
                    throw OspreyException.badInput("RLE string has '" + compressed.charAt(p) + "' at " + p
                            + " (COCO RLE uses the characters '0' to 'o')");
                }
                if (shift > 35) {
                    throw OspreyException.badInput("RLE string has a count too large at " + p);
                }
                x |= (long) (c & GROUP) << shift;
                more = (c & MORE) != 0;
                p++;
                shift += 5;
                if (!more && (c & SIGN) != 0) {
                    x |= -1L << shift;
                }
            }
            if (n > 2) {
                x += counts[n - 2];
            }
            if (x < 0 || x > Integer.MAX_VALUE) {
                throw OspreyException.badInput("RLE string decodes to an invalid count " + x + " (count " + n + ")");
            }
            counts[n++] = (int) x;
        }
        return Arrays.copyOf(counts, n);
    }
}
