package dev.osprey.model.image;

import dev.osprey.model.error.OspreyException;
import dev.osprey.model.error.Reason;
import java.awt.image.Raster;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import javax.imageio.ImageIO;
import javax.imageio.ImageReader;
import javax.imageio.stream.ImageInputStream;
import javax.imageio.stream.MemoryCacheImageInputStream;

/**
 * Runs one of the JDK's ImageIO readers over in-memory bytes and hands back the decoded samples
 * (never colour-managed pixels: no {@code getRGB}, no {@code drawImage}). A fresh reader per call, so
 * concurrent decodes share nothing; the stream is cached in memory, never in a temporary file.
 *
 * @param raster   the samples, bands in the order of the image's colour model
 * @param warnings what the reader reported without failing (libjpeg's "Premature end of JPEG file")
 */
record ImageIoRaster(Raster raster, List<String> warnings) {

    /**
     * Decodes image 0 of {@code bytes} with the reader for {@code format} ("png", "jpeg").
     * {@code fileComponents} asks for {@code readRaster}: the file's own components (JPEG: YCbCr),
     * no colour conversion at all.
     */
    static ImageIoRaster read(byte[] bytes, String format, boolean fileComponents) {
        Iterator<ImageReader> readers = ImageIO.getImageReadersByFormatName(format);
        if (!readers.hasNext()) {
            throw new OspreyException(Reason.INTERNAL, "this JDK has no ImageIO reader for " + format);
        }
        ImageReader reader = readers.next();
        List<String> warnings = new ArrayList<>();
        try (ImageInputStream in = new MemoryCacheImageInputStream(new ByteArrayInputStream(bytes))) {
            reader.setInput(in, true);
            reader.addIIOReadWarningListener((source, warning) -> warnings.add(warning));
            Raster raster = fileComponents ? reader.readRaster(0, null) : reader.read(0).getRaster();
            return new ImageIoRaster(raster, List.copyOf(warnings));
        } catch (IOException | RuntimeException e) {
            // ImageIO reports corrupt data as IIOException but also as unchecked exceptions from deep inside.
            throw new OspreyException(Reason.BAD_INPUT,
                    "cannot decode the " + format.toUpperCase() + " image: " + e.getMessage(), e);
        } finally {
            reader.dispose();
        }
    }

    /** The samples of row {@code y}: pixel after pixel, each with all its bands. */
    int[] row(int y, int[] buffer) {
        return raster.getPixels(0, y, raster.getWidth(), 1, buffer);
    }
}
