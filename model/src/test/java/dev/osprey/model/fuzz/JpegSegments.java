package dev.osprey.model.fuzz;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;

/**
 * A valid JPEG's marker segments and structural mutations of them: length fields at boundary values,
 * segments removed, repeated or swapped, marker codes changed, frame (SOF) and scan (SOS) header
 * fields rewritten, stray markers inserted.
 *
 * @param jpeg     the file
 * @param name     its name, for descriptions
 * @param segments its segments in file order; a scan's segment includes its entropy-coded data
 */
record JpegSegments(byte[] jpeg, String name, List<Segment> segments) {

    /**
     * One marker segment.
     *
     * @param offset    where its 0xFF is
     * @param marker    its marker code
     * @param headerEnd the end of its length-counted part (offset + 2 for a standalone marker)
     * @param end       the end of the segment, after a scan's entropy-coded data
     */
    record Segment(int offset, int marker, int headerEnd, int end) {

        boolean hasLength() {
            return headerEnd > offset + 2;
        }
    }

    private static final int[] MARKERS = {0xC0, 0xC1, 0xC2, 0xC3, 0xC4, 0xC5, 0xC9, 0xCB, 0xCC, 0xCF, 0xD0, 0xD8, 0xD9,
        0xDA, 0xDB, 0xDC, 0xDD, 0xDE, 0xE0, 0xE1, 0xE2, 0xEE, 0xFE, 0x01, 0x00};

    /** The layout of a valid JPEG, up to EOI. */
    static JpegSegments of(byte[] jpeg, String name) {
        List<Segment> segments = new ArrayList<>();
        ByteBuffer in = ByteBuffer.wrap(jpeg);
        int at = 0;
        while (at + 1 < jpeg.length) {
            int marker = jpeg[at + 1] & 0xFF;
            boolean standalone = marker == 0xD8 || marker == 0xD9 || marker == 0x01 || (marker >= 0xD0 && marker <= 0xD7);
            int headerEnd = standalone ? at + 2 : at + 2 + (in.getShort(at + 2) & 0xFFFF);
            int end = marker == 0xDA ? scanEnd(jpeg, headerEnd) : headerEnd;
            segments.add(new Segment(at, marker, headerEnd, end));
            if (marker == 0xD9) {
                break;
            }
            at = end;
        }
        return new JpegSegments(jpeg, name, List.copyOf(segments));
    }

    /** Offsets worth truncating at: around every segment's marker, length and end, and through each scan's data. */
    List<Integer> truncationPoints() {
        List<Integer> points = new ArrayList<>();
        for (Segment s : segments) {
            for (int p : new int[] {s.offset(), s.offset() + 1, s.offset() + 2, s.offset() + 3, s.offset() + 4, s.headerEnd() - 1}) {
                if (p > 0 && p < jpeg.length && !points.contains(p)) {
                    points.add(p);
                }
            }
            for (int eighth = 1; eighth < 8 && s.end() > s.headerEnd(); eighth++) {
                points.add(s.headerEnd() + (s.end() - s.headerEnd()) * eighth / 8);
            }
        }
        return points;
    }

    /** One structural mutation, chosen at random. */
    Mutant mutate(Random random) {
        int k = 1 + random.nextInt(segments.size() - 1);
        Segment s = segments.get(k);
        String what = name + ": " + markerName(s.marker()) + " (segment " + k + ")";
        byte[] b = jpeg.clone();
        return switch (random.nextInt(8)) {
            case 0 -> {
                if (!s.hasLength()) {
                    yield new Mutant(Mutant.splice(jpeg, s.offset(), s.end(), new byte[0]), what + " removed");
                }
                int length = s.headerEnd() - s.offset() - 2;
                int[] values = {0, 1, 2, 3, length - 1, length + 1, 0xFFFF, random.nextInt(0x10000)};
                int value = values[random.nextInt(values.length)];
                ByteBuffer.wrap(b).putShort(s.offset() + 2, (short) value);
                yield new Mutant(b, what + " length := " + value);
            }
            case 1 -> new Mutant(Mutant.splice(jpeg, s.offset(), s.end(), new byte[0]), what + " removed");
            case 2 -> new Mutant(Mutant.splice(jpeg, s.end(), s.end(), Arrays.copyOfRange(jpeg, s.offset(), s.end())), what + " repeated");
            case 3 -> {
                int marker = MARKERS[random.nextInt(MARKERS.length)];
                b[s.offset() + 1] = (byte) marker;
                yield new Mutant(b, what + " marker := " + markerName(marker));
            }
            case 4 -> rewriteHeader(random, 0xC0, 5, 6, 3);
            case 5 -> rewriteHeader(random, 0xDA, 0, 4, 2);
            case 6 -> {
                int from = s.hasLength() ? s.offset() + 4 : s.offset();
                if (s.end() <= from) {
                    yield new Mutant(Mutant.splice(jpeg, s.offset(), s.offset(), new byte[] {(byte) 0xFF, (byte) 0xD9}), what + ": EOI inserted before");
                }
                Mutant body = Mutant.mutate(random, Arrays.copyOfRange(jpeg, from, s.end()), "body");
                yield new Mutant(Mutant.splice(jpeg, from, s.end(), body.bytes()), what + " " + body.description());
            }
            default -> {
                byte[] inserted = switch (random.nextInt(4)) {
                    case 0 -> new byte[] {(byte) 0xFF, (byte) (0xD0 + random.nextInt(8))};
                    case 1 -> new byte[] {(byte) 0xFF, (byte) 0xDD, 0, 4, (byte) random.nextInt(256), (byte) random.nextInt(256)};
                    case 2 -> new byte[] {(byte) 0xFF, (byte) 0xD8};
                    default -> {
                        byte[] segment = new byte[4 + random.nextInt(40)];
                        random.nextBytes(segment);
                        segment[0] = (byte) 0xFF;
                        segment[1] = (byte) MARKERS[random.nextInt(MARKERS.length)];
                        ByteBuffer.wrap(segment).putShort(2, (short) (segment.length - 2));
                        yield segment;
                    }
                };
                yield new Mutant(Mutant.splice(jpeg, s.offset(), s.offset(), inserted),
                        what + ": " + inserted.length + " bytes " + Arrays.toString(Arrays.copyOf(inserted, 4)) + " inserted before");
            }
        };
    }

    /**
     * The first segment with {@code marker} (SOF0 to SOF2 for 0xC0) with random header bytes, and at
     * times a new component count: the header holds {@code fixed} bytes besides its components, the
     * count at {@code countIndex}, and {@code perComponent} bytes per component.
     */
    private Mutant rewriteHeader(Random random, int marker, int countIndex, int fixed, int perComponent) {
        Segment s = segments.stream().filter(x -> marker == 0xC0 ? x.marker() >= 0xC0 && x.marker() <= 0xC2 : x.marker() == marker)
                .findFirst().orElse(segments.get(1));
        byte[] b = jpeg.clone();
        int from = s.offset() + 4;
        int count = s.headerEnd() - from;
        StringBuilder what = new StringBuilder(name + ": " + markerName(s.marker()) + " header");
        for (int i = 0, changes = 1 + random.nextInt(3); i < changes && count > 0; i++) {
            int p = from + random.nextInt(count);
            int[] values = {0, 1, 2, 3, 4, 5, 8, 12, 16, 0x11, 0x12, 0x21, 0x22, 0x41, 0x44, 0x7F, 0x80, 0xFF, random.nextInt(256)};
            int value = values[random.nextInt(values.length)];
            b[p] = (byte) value;
            what.append(" byte ").append(p - from).append(" := ").append(value);
        }
        if (random.nextInt(4) == 0 && count > countIndex) {
            int components = random.nextInt(6);
            int length = 2 + fixed + components * perComponent;
            byte[] header = Arrays.copyOf(Arrays.copyOfRange(b, s.offset(), s.headerEnd()), 2 + length);
            ByteBuffer.wrap(header).putShort(2, (short) length);
            header[4 + countIndex] = (byte) components;
            what.append(" components := ").append(components);
            b = Mutant.splice(b, s.offset(), s.headerEnd(), header);
        }
        return new Mutant(b, what.toString());
    }

    private static int scanEnd(byte[] jpeg, int from) {
        for (int q = from; q + 1 < jpeg.length; q++) {
            int next = jpeg[q + 1] & 0xFF;
            if ((jpeg[q] & 0xFF) == 0xFF && next != 0 && next != 0xFF && (next < 0xD0 || next > 0xD7)) {
                return q;
            }
        }
        return jpeg.length;
    }

    private static String markerName(int marker) {
        return String.format("FF%02X", marker);
    }
}
