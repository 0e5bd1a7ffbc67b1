package dev.osprey.model.bench;

import dev.osprey.model.image.ImageDecoder;
import dev.osprey.model.image.ImagePreprocessor;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Arrays;
import javax.imageio.ImageIO;

/**
 * Decode + reference preprocessing of a photo-sized JPEG (a smooth synthetic gradient with texture,
 * encoded by ImageIO), in the calling thread.
 */
public final class PreprocessBenchmark {

    /** @param decodeMs median decode time; @param totalMs median decode + preprocess time */
    public record Result(int width, int height, int jpegBytes, double decodeMs, double totalMs) {
    }

    private PreprocessBenchmark() {
    }

    public static Result run(int width, int height, int runs) {
        byte[] jpeg = syntheticJpeg(width, height);
        ImageDecoder decoder = new ImageDecoder();
        ImagePreprocessor preprocessor = new ImagePreprocessor();
        double[] decode = new double[runs];
        double[] total = new double[runs];
        for (int i = -2; i < runs; i++) {
            long start = System.nanoTime();
            var image = decoder.decode(jpeg);
            long decoded = System.nanoTime();
            preprocessor.pixelValues(image);
            long done = System.nanoTime();
            if (i >= 0) {
                decode[i] = (decoded - start) / 1e6;
                total[i] = (done - start) / 1e6;
            }
        }
        Arrays.sort(decode);
        Arrays.sort(total);
        return new Result(width, height, jpeg.length, decode[runs / 2], total[runs / 2]);
    }

    private static byte[] syntheticJpeg(int width, int height) {
        BufferedImage image = new BufferedImage(width, height, BufferedImage.TYPE_3BYTE_BGR);
        byte[] data = ((java.awt.image.DataBufferByte) image.getRaster().getDataBuffer()).getData();
        for (int y = 0; y < height; y++) {
            for (int x = 0; x < width; x++) {
                int i = 3 * (y * width + x);
                data[i] = (byte) (x * 255 / width);
                data[i + 1] = (byte) (y * 255 / height);
                data[i + 2] = (byte) (((x / 7) ^ (y / 5)) * 13);
            }
        }
        try (ByteArrayOutputStream out = new ByteArrayOutputStream()) {
            ImageIO.write(image, "jpg", out);
            return out.toByteArray();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
