package dev.osprey.gateway.openai;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.osprey.api.v1.Region;
import dev.osprey.model.mask.BinaryMask;
import dev.osprey.model.mask.CocoRle;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.time.Duration;
import java.util.Base64;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;

class ConversationImageTest {

    private static final Duration PATIENCE = Duration.ofSeconds(30);
    private static final String PARAM = "messages[0].content[0].image_url.url";
    private static final int W = 6;
    private static final int H = 4;

    @Test
    void aPngWithATransparentAlphaChannelGivesTheRegionWhereAlphaIsAboveZero() throws IOException {
        byte[] png = png(BufferedImage.TYPE_INT_ARGB, (x, y) -> x >= 2 && y >= 1 ? (x == 5 ? 1 : 200) : 0);
        ConversationImage.Resolved resolved = resolve(dataUrl("image/png", png));

        assertThat(resolved.image().getImageBytes().toByteArray()).isEqualTo(png);
        Region region = resolved.alphaRegion().orElseThrow();
        assertThat(region.getRle().getHeight()).isEqualTo(H);
        assertThat(region.getRle().getWidth()).isEqualTo(W);
        BinaryMask mask = CocoRle.decode(H, W, region.getRle().getCompressed());
        for (int y = 0; y < H; y++) {
            for (int x = 0; x < W; x++) {
                assertThat(mask.get(y, x)).as("(%d, %d)", x, y).isEqualTo(x >= 2 && y >= 1);
            }
        }
    }

    @Test
    void anOpaqueOrAlphaFreeImageGivesNoRegion() throws IOException {
        assertThat(resolve(dataUrl("image/png", png(BufferedImage.TYPE_INT_ARGB, (x, y) -> 255))).alphaRegion()).isEmpty();
        assertThat(resolve(dataUrl("image/png", png(BufferedImage.TYPE_INT_RGB, (x, y) -> 0))).alphaRegion()).isEmpty();
        ByteArrayOutputStream jpeg = new ByteArrayOutputStream();
        ImageIO.write(new BufferedImage(W, H, BufferedImage.TYPE_INT_RGB), "jpeg", jpeg);
        assertThat(resolve(dataUrl("image/jpeg", jpeg.toByteArray())).alphaRegion()).isEmpty();
    }

    @Test
    void anUploadIsAskedAboutByItsId() {
        ConversationImage.Resolved resolved = resolve("osprey://images/abc");
        assertThat(resolved.image().getImageId()).isEqualTo("abc");
        assertThat(resolved.alphaRegion()).isEmpty();
    }

    @Test
    void anImageOverTheSizeLimitOrNotBase64IsRefusedNamingTheUrl() {
        assertThatThrownBy(() -> new ConversationImage(dataUrl("image/png", new byte[101]), PARAM).resolve(100, 1000).block(PATIENCE))
                .isInstanceOfSatisfying(CompletionProblem.class, e -> assertThat(e.param()).isEqualTo(PARAM))
                .hasMessage(PARAM + ": the image is 101 bytes, the limit is 100 (osprey.gateway.max-image-size)");
        assertThatThrownBy(() -> resolve("data:image/png;base64,ab$d"))
                .isInstanceOf(CompletionProblem.class).hasMessageStartingWith(PARAM + ": the data URL's data is not base64");
    }

    @Test
    void theAlphaChannelOfAnImageOverItsPixelLimitIsNotRead() throws IOException {
        String url = dataUrl("image/png", png(BufferedImage.TYPE_INT_ARGB, (x, y) -> 0));
        assertThatThrownBy(() -> new ConversationImage(url, PARAM).resolve(1 << 20, W * H - 1).block(PATIENCE))
                .hasMessageContaining("more than the 23 pixels an image whose alpha channel is read may have");
    }

    private interface Alpha {
        int at(int x, int y);
    }

    /** A W x H PNG of {@code type} (ImageIO writes ARGB as RGBA), grey, with the given alpha. */
    private static byte[] png(int type, Alpha alpha) throws IOException {
        BufferedImage image = new BufferedImage(W, H, type);
        for (int y = 0; y < H; y++) {
            for (int x = 0; x < W; x++) {
                image.setRGB(x, y, alpha.at(x, y) << 24 | 0x808080);
            }
        }
        ByteArrayOutputStream png = new ByteArrayOutputStream();
        ImageIO.write(image, "png", png);
        return png.toByteArray();
    }

    private static String dataUrl(String type, byte[] bytes) {
        return "data:" + type + ";base64," + Base64.getEncoder().encodeToString(bytes);
    }

    private static ConversationImage.Resolved resolve(String url) {
        return new ConversationImage(url, PARAM).resolve(1 << 20, 1 << 20).block(PATIENCE);
    }
}
