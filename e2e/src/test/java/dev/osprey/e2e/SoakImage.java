package dev.osprey.e2e;

import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Random;
import javax.imageio.ImageIO;

/**
 * An image of the reliability soak: its bytes, the tenant (API key) that owns it, and, as the soak
 * goes on, its id and when it was last uploaded or deleted (what makes a 404 about it expected).
 */
final class SoakImage {

    final String tenant;
    final byte[] png;
    final int width;
    final int height;
    /** Content digest: the same bytes get the same greedy answers whoever uploaded them. */
    final String digest;
    /** Never deleted: the fixed greedy questions are about it. */
    final boolean pinned;
    volatile String id;
    volatile long deleteIssuedAt = Long.MAX_VALUE;

    SoakImage(String tenant, byte[] png, int width, int height, boolean pinned) {
        this.tenant = tenant;
        this.png = png;
        this.width = width;
        this.height = height;
        this.pinned = pinned;
        this.digest = sha256(png);
    }

    /** A small noise picture, different for every {@code seed}: a new image for the encoder every time. */
    static SoakImage generated(String tenant, long seed) {
        BufferedImage picture = new BufferedImage(96, 64, BufferedImage.TYPE_INT_RGB);
        Random random = new Random(seed);
        for (int y = 0; y < picture.getHeight(); y++) {
            for (int x = 0; x < picture.getWidth(); x++) {
                picture.setRGB(x, y, random.nextInt(1 << 24));
            }
        }
        ByteArrayOutputStream png = new ByteArrayOutputStream();
        try {
            ImageIO.write(picture, "png", png);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return new SoakImage(tenant, png.toByteArray(), picture.getWidth(), picture.getHeight(), false);
    }

    private static String sha256(byte[] bytes) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
