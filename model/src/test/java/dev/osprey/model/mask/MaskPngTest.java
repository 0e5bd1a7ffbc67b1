package dev.osprey.model.mask;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.osprey.model.error.OspreyException;
import java.awt.image.BufferedImage;
import java.awt.image.IndexColorModel;
import java.awt.image.WritableRaster;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.zip.CRC32;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;

/** PNG masks of every kind: non-zero samples are inside, whatever the bit depth or colour type. */
class MaskPngTest {

    /** Inside pixels of the 4x3 test pattern, row-major. */
    private static final byte[] PATTERN = {0, 1, 0, 0, 1, 1, 0, 1, 0, 0, 0, 1};

    @Test
    void oneBitGreyIsRead() throws IOException {
        assertPattern(BufferedImage.TYPE_BYTE_BINARY, 1);
    }

    @Test
    void sixteenBitGreyWithSmallValuesIsInside() throws IOException {
        // 1 of 65535 would map to 0 through an 8-bit getRGB path
        assertPattern(BufferedImage.TYPE_USHORT_GRAY, 1);
    }

    @Test
    void rgbIsInsideWhenAnyChannelIsNonZero() throws IOException {
        assertPattern(BufferedImage.TYPE_3BYTE_BGR, 2);
    }

    @Test
    void alphaIsIgnored() throws IOException {
        BufferedImage image = new BufferedImage(4, 3, BufferedImage.TYPE_INT_ARGB);
        for (int i = 0; i < PATTERN.length; i++) {
            // transparent everywhere, colour only where the pattern is inside; opaque black outside would read the same
            image.setRGB(i % 4, i / 4, PATTERN[i] == 1 ? 0x00ff0000 : 0xff000000);
        }
        assertThat(PngMasks.decode(png(image)).pixels()).containsExactly(PATTERN);
    }

    @Test
    void paletteImagesAreJudgedByIndexNotColour() throws IOException {
        // index 0 is white: still outside, as numpy sees a Pillow P-mode image
        byte[] rgb = {(byte) 255, 0};
        IndexColorModel palette = new IndexColorModel(8, 2, rgb, rgb, rgb);
        BufferedImage image = new BufferedImage(4, 3, BufferedImage.TYPE_BYTE_INDEXED, palette);
        fill(image.getRaster(), 0, 1);
        assertThat(PngMasks.decode(png(image)).pixels()).containsExactly(PATTERN);
    }

    @Test
    void nonPngBytesAreRejected() {
        assertThatThrownBy(() -> PngMasks.decode(new byte[] {1, 2, 3})).isInstanceOf(OspreyException.class)
                .hasMessage("mask is not a PNG file (no PNG signature)");
        byte[] truncated = Arrays.copyOf(new byte[] {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'}, 20);
        assertThatThrownBy(() -> PngMasks.decode(truncated)).isInstanceOf(OspreyException.class)
                .hasMessageStartingWith("mask PNG cannot be decoded");
    }

    @Test
    void aHeaderClaimingMoreThanTheMaskLimitIsRefusedBeforeDecoding() throws IOException {
        // Found by MaskInputFuzzTest: ImageIO allocated the 46340x46340 image the header claims (2 GB) before failing on the data.
        byte[] png = png(new BufferedImage(4, 3, BufferedImage.TYPE_BYTE_GRAY));
        ByteBuffer ihdr = ByteBuffer.wrap(png, 16, 13).slice();
        ihdr.putInt(0, 46340).putInt(4, 46340);
        CRC32 crc = new CRC32();
        crc.update(png, 12, 17);
        ByteBuffer.wrap(png).putInt(29, (int) crc.getValue());
        assertThatThrownBy(() -> PngMasks.decode(png)).isInstanceOf(OspreyException.class)
                .hasMessage("a 46340x46340 mask has 2147395600 pixels, the limit is 50000000 (50 megapixels, as for images)");
    }

    private static void assertPattern(int type, int band) throws IOException {
        BufferedImage image = new BufferedImage(4, 3, type);
        fill(image.getRaster(), Math.min(band, image.getRaster().getNumBands() - 1), 1);
        BinaryMask mask = PngMasks.decode(png(image));
        assertThat(mask.width()).isEqualTo(4);
        assertThat(mask.height()).isEqualTo(3);
        assertThat(mask.pixels()).containsExactly(PATTERN);
    }

    private static void fill(WritableRaster raster, int band, int value) {
        for (int i = 0; i < PATTERN.length; i++) {
            raster.setSample(i % 4, i / 4, band, PATTERN[i] * value);
        }
    }

    private static byte[] png(BufferedImage image) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        assertThat(ImageIO.write(image, "png", out)).isTrue();
        return out.toByteArray();
    }
}
