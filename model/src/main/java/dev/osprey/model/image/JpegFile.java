package dev.osprey.model.image;

import dev.osprey.model.error.OspreyException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * What the JPEG markers before the first scan say: frame size and components (SOF), the JFIF and
 * Adobe markers that decide the colour space, and the Exif block (APP1). Nothing is decoded.
 *
 * @param width        samples per line (SOF)
 * @param height       lines (SOF)
 * @param precision    bits per sample (SOF)
 * @param frameType    the SOF marker's low nibble: 0 baseline, 1 extended, 2 progressive, others unsupported
 * @param componentIds the component identifiers in frame order
 * @param sampling     per component, its sampling factors as SOF stores them: horizontal in the
 *                     high nibble, vertical in the low nibble
 * @param jfif         whether an APP0 JFIF marker was seen
 * @param adobeTransform the APP14 Adobe transform flag, or -1 without that marker
 * @param exif         the first APP1 Exif block after its {@code Exif\0\0} prefix (a TIFF structure), or null
 * @param firstScanComponents how many components the first scan (SOS) codes
 * @param scans        how many scans (SOS markers) the file has
 */
record JpegFile(int width, int height, int precision, int frameType, int[] componentIds, int[] sampling,
        boolean jfif, int adobeTransform, byte[] exif, int firstScanComponents, int scans) {

    private static final byte[] EXIF_PREFIX = "Exif\0\0".getBytes(StandardCharsets.ISO_8859_1);
    private static final byte[] JFIF_PREFIX = "JFIF\0".getBytes(StandardCharsets.ISO_8859_1);
    private static final byte[] ADOBE_PREFIX = "Adobe".getBytes(StandardCharsets.ISO_8859_1);

    /** Whether {@code bytes} start like a JPEG file (SOI, then a marker). */
    static boolean matches(byte[] bytes) {
        return bytes.length >= 3 && (bytes[0] & 0xFF) == 0xFF && (bytes[1] & 0xFF) == 0xD8 && (bytes[2] & 0xFF) == 0xFF;
    }

    /**
     * Whether libjpeg (hence Pillow) takes three components as RGB rather than YCbCr: a JFIF marker
     * means YCbCr; else an Adobe marker decides (transform 0 = RGB); else the component ids 'R','G','B'.
     */
    boolean threeComponentsAreRgb() {
        if (jfif) {
            return false;
        }
        if (adobeTransform >= 0) {
            return adobeTransform == 0;
        }
        return Arrays.equals(componentIds, new int[] {'R', 'G', 'B'});
    }

    /**
     * Whether libjpeg-turbo upsamples component {@code c} with its "fancy" vertical-only triangle
     * filter (full horizontal, half vertical resolution: 4:4:0) where the JDK's libjpeg 6b repeats rows.
     */
    boolean isHalfHeightComponent(int c) {
        int maxH = 0;
        int maxV = 0;
        for (int factors : sampling) {
            maxH = Math.max(maxH, factors >> 4);
            maxV = Math.max(maxV, factors & 0x0F);
        }
        return (sampling[c] >> 4) == maxH && 2 * (sampling[c] & 0x0F) == maxV;
    }

    /**
     * Whether the image data comes in more than one scan (progressive, or sequential with a scan per
     * component): libjpeg then buffers the whole image and needs every scan, up to EOI, before it
     * outputs a line, so Pillow refuses such a file that ends early even between scans.
     */
    boolean hasMultipleScans() {
        return frameType == 2 || firstScanComponents < componentIds.length;
    }

    /** Reads the markers of a file that {@link #matches} up to the first SOS and its header, then counts the scans. */
    static JpegFile parse(byte[] bytes) {
        ByteBuffer in = ByteBuffer.wrap(bytes);
        in.position(2);
        int[] frame = null;
        int[] ids = null;
        int[] sampling = null;
        boolean jfif = false;
        int adobeTransform = -1;
        byte[] exif = null;
        int scanComponents;
        while (true) {
            int marker = nextMarker(in);
            if (marker == 0xDA) {
                // The scan header is read too: ImageIO decodes a file cut inside it to a grey image without complaint.
                if (in.remaining() < 3 || (in.getShort(in.position()) & 0xFFFF) - 2 > in.remaining() - 2) {
                    throw truncated();
                }
                scanComponents = in.get(in.position() + 2) & 0xFF;
                in.position(in.position() + (in.getShort(in.position()) & 0xFFFF));
                break;
            }
            if (marker == 0xD9) {
                throw OspreyException.badInput("JPEG ends before any image data");
            }
            if (marker == 0x01 || (marker >= 0xD0 && marker <= 0xD7)) {
                continue;  // TEM and RSTn stand alone, without a length
            }
            if (in.remaining() < 2) {
                throw truncated();
            }
            int length = in.getShort() & 0xFFFF;
            if (length < 2 || length - 2 > in.remaining()) {
                throw truncated();
            }
            ByteBuffer segment = in.slice(in.position(), length - 2);
            in.position(in.position() + length - 2);
            if (isStartOfFrame(marker) && frame == null) {
                frame = parseFrame(segment, marker);
                ids = new int[frame[3]];
                sampling = new int[frame[3]];
                for (int c = 0; c < ids.length; c++) {
                    ids[c] = segment.get(6 + 3 * c) & 0xFF;
                    sampling[c] = segment.get(7 + 3 * c) & 0xFF;
                }
            } else if (marker == 0xE0 && startsWith(segment, JFIF_PREFIX)) {
                jfif = true;
            } else if (marker == 0xE1 && exif == null && startsWith(segment, EXIF_PREFIX)) {
                exif = new byte[segment.remaining() - EXIF_PREFIX.length];
                segment.get(EXIF_PREFIX.length, exif);
            } else if (marker == 0xEE && adobeTransform < 0 && segment.remaining() >= 12 && startsWith(segment, ADOBE_PREFIX)) {
                adobeTransform = segment.get(11) & 0xFF;
            }
        }
        if (frame == null) {
            throw OspreyException.badInput("JPEG has no frame header (SOF marker) before its image data");
        }
        return new JpegFile(frame[1], frame[0], frame[2], frame[4], ids, sampling, jfif, adobeTransform, exif, scanComponents,
                1 + laterScans(in));
    }

    /**
     * The SOS markers after the first, up to EOI or the end of the data: entropy-coded data is
     * skipped to the next marker (a 0xFF there is followed by 0x00 or is a restart marker), other
     * segments by their length.
     */
    private static int laterScans(ByteBuffer in) {
        int scans = 0;
        while (in.remaining() >= 2) {
            if ((in.get() & 0xFF) != 0xFF) {
                continue;
            }
            int code = in.get(in.position()) & 0xFF;
            if (code == 0x00 || code == 0xFF || (code >= 0xD0 && code <= 0xD7) || code == 0x01) {
                continue;
            }
            in.get();
            if (code == 0xD9 || in.remaining() < 2 || (in.getShort(in.position()) & 0xFFFF) < 2
                    || (in.getShort(in.position()) & 0xFFFF) > in.remaining()) {
                break;
            }
            if (code == 0xDA) {
                scans++;
            }
            // a scan's own header is skipped too; its entropy-coded data follows
            in.position(in.position() + (in.getShort(in.position()) & 0xFFFF));
        }
        return scans;
    }

    /** SOF0..SOF15 except DHT (C4), JPG (C8) and DAC (CC). */
    private static boolean isStartOfFrame(int marker) {
        return marker >= 0xC0 && marker <= 0xCF && marker != 0xC4 && marker != 0xC8 && marker != 0xCC;
    }

    /** {height, width, precision, components, frame type}. */
    private static int[] parseFrame(ByteBuffer sof, int marker) {
        if (sof.remaining() < 6 || sof.remaining() < 6 + 3 * (sof.get(5) & 0xFF)) {
            throw OspreyException.badInput("JPEG frame header (SOF) is too short");
        }
        int height = sof.getShort(1) & 0xFFFF;
        int width = sof.getShort(3) & 0xFFFF;
        if (width == 0 || height == 0) {
            throw OspreyException.badInput("JPEG frame header gives the size " + width + "x" + height
                    + " (a height set later by a DNL marker is not supported)");
        }
        return new int[] {height, width, sof.get(0) & 0xFF, sof.get(5) & 0xFF, marker & 0x0F};
    }

    /**
     * The next marker code. Bytes before a marker's 0xFF are skipped, as libjpeg and Pillow skip them
     * (libjpeg warns about "extraneous bytes"), and so are 0xFF fill bytes.
     */
    private static int nextMarker(ByteBuffer in) {
        while (in.hasRemaining()) {
            if ((in.get() & 0xFF) != 0xFF) {
                continue;
            }
            while (in.hasRemaining()) {
                int code = in.get() & 0xFF;
                if (code != 0xFF) {
                    if (code != 0) {
                        return code;
                    }
                    break;
                }
            }
        }
        throw truncated();
    }

    private static boolean startsWith(ByteBuffer segment, byte[] prefix) {
        return segment.remaining() >= prefix.length && segment.slice(0, prefix.length).equals(ByteBuffer.wrap(prefix));
    }

    private static OspreyException truncated() {
        return OspreyException.badInput("JPEG is truncated: it ends inside its headers");
    }
}
