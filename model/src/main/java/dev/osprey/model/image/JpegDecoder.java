package dev.osprey.model.image;

import dev.osprey.model.error.OspreyException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * JPEG to RGB as Pillow's {@code Image.open(jpeg).convert('RGB')} gets it from libjpeg(-turbo): the
 * JDK's own libjpeg decodes the file to its raw components (default integer IDCT and fancy chroma
 * upsampling, the same settings Pillow uses), with ImageIO's colour conversion switched off
 * ({@code readRaster}); YCbCr then becomes RGB here with libjpeg's fixed-point tables, so an embedded
 * ICC profile is ignored as Pillow ignores it. One component is grey, replicated. Where libjpeg-turbo
 * filters and libjpeg 6b does not (4:4:0 chroma), {@link HalfHeightUpsampling} redoes turbo's filter.
 *
 * <p>Rejected with a message: CMYK/YCCK (four components), precisions other than 8 bits, lossless,
 * hierarchical and arithmetic-coded files (the JDK's libjpeg cannot decode them), and data that ends
 * early (Pillow refuses a truncated file too; libjpeg alone would pad it with grey): inside a scan, or
 * anywhere before EOI when there are several scans. A single-scan file may lack its EOI, as in Pillow,
 * unless libjpeg warned about something else first (it then stays silent about the end of the data).
 */
final class JpegDecoder {

    private static final int SCALE_BITS = 16;
    private static final int ONE_HALF = 1 << (SCALE_BITS - 1);
    private static final int[] CR_R = new int[256];
    private static final int[] CB_B = new int[256];
    private static final int[] CR_G = new int[256];
    private static final int[] CB_G = new int[256];

    static {
        // libjpeg's jdcolor.c tables (JFIF: R = Y + 1.402 Cr', G = Y - 0.34414 Cb' - 0.71414 Cr', B = Y + 1.772 Cb').
        for (int i = 0; i < 256; i++) {
            int x = i - 128;
            CR_R[i] = (fix(1.40200) * x + ONE_HALF) >> SCALE_BITS;
            CB_B[i] = (fix(1.77200) * x + ONE_HALF) >> SCALE_BITS;
            CR_G[i] = -fix(0.71414) * x;
            CB_G[i] = -fix(0.34414) * x + ONE_HALF;
        }
    }

    private JpegDecoder() {
    }

    static RgbImage decode(byte[] bytes, JpegFile jpeg) {
        checkSupported(jpeg);
        ImageIoRaster decoded = ImageIoRaster.read(bytes, "jpeg", true);
        String missingEoi = null;
        boolean otherWarnings = false;
        for (String warning : decoded.warnings()) {
            String lower = warning.toLowerCase(Locale.ROOT);
            if (lower.contains("premature end")) {
                throw OspreyException.badInput("JPEG image is truncated: " + warning);
            }
            if (lower.contains("missing eoi")) {
                missingEoi = warning;
            } else {
                otherWarnings = true;
            }
        }
        // The JDK warns "Missing EOI marker" whenever the data runs out. A single scan may end where
        // its last line does (Pillow decodes that), but a multi-scan file needs every scan, and
        // libjpeg reports only its first warning: after another one, "premature end" goes unsaid.
        if (missingEoi != null && (jpeg.hasMultipleScans() || otherWarnings)) {
            throw OspreyException.badInput("JPEG image is truncated: " + missingEoi);
        }
        int width = decoded.raster().getWidth();
        int height = decoded.raster().getHeight();
        int bands = decoded.raster().getNumBands();
        boolean ycc = bands == 3 && !jpeg.threeComponentsAreRgb();
        List<HalfHeightUpsampling> refilter = new ArrayList<>();
        for (int c = 0; c < bands; c++) {
            if (jpeg.isHalfHeightComponent(c)) {
                refilter.add(new HalfHeightUpsampling(decoded.raster(), c));
            }
        }
        byte[] rgb = new byte[width * height * 3];
        int[] samples = new int[width * bands];
        int o = 0;
        for (int y = 0; y < height; y++) {
            decoded.row(y, samples);
            for (HalfHeightUpsampling component : refilter) {
                component.apply(y, samples, bands);
            }
            for (int s = 0; s < samples.length; s += bands) {
                if (bands == 1) {
                    rgb[o++] = (byte) samples[s];
                    rgb[o++] = (byte) samples[s];
                    rgb[o++] = (byte) samples[s];
                } else if (ycc) {
                    int luma = samples[s];
                    int cb = samples[s + 1];
                    int cr = samples[s + 2];
                    rgb[o++] = clamp(luma + CR_R[cr]);
                    rgb[o++] = clamp(luma + ((CB_G[cb] + CR_G[cr]) >> SCALE_BITS));
                    rgb[o++] = clamp(luma + CB_B[cb]);
                } else {
                    rgb[o++] = (byte) samples[s];
                    rgb[o++] = (byte) samples[s + 1];
                    rgb[o++] = (byte) samples[s + 2];
                }
            }
        }
        return new RgbImage(width, height, rgb);
    }

    private static void checkSupported(JpegFile jpeg) {
        int components = jpeg.componentIds().length;
        if (components == 4) {
            throw OspreyException.badInput("CMYK JPEG images are not supported: convert the image to RGB (or save it as PNG)");
        }
        if (components != 1 && components != 3) {
            throw OspreyException.badInput("JPEG with " + components + " components is not supported (expected 1 or 3)");
        }
        if (jpeg.precision() != 8) {
            throw OspreyException.badInput(jpeg.precision() + "-bit JPEG images are not supported (expected 8-bit samples)");
        }
        if (jpeg.frameType() > 2) {
            throw OspreyException.badInput("this JPEG coding (SOF" + jpeg.frameType()
                    + ": lossless, hierarchical or arithmetic) is not supported; save the image as baseline JPEG or PNG");
        }
    }

    private static int fix(double x) {
        return (int) (x * (1 << SCALE_BITS) + 0.5);
    }

    private static byte clamp(int v) {
        return (byte) (v < 0 ? 0 : Math.min(v, 255));
    }
}
