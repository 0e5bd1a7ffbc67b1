package dev.osprey.model.image;

import java.awt.image.Raster;

/**
 * libjpeg-turbo's "fancy" upsampling of a component stored at half height (4:4:0, e.g. a 4:2:2 JPEG
 * turned by a lossless rotation), which Pillow gets: output row {@code 2k} is
 * {@code (3 c[k] + c[k-1] + 1) >> 2} and row {@code 2k+1} is {@code (3 c[k] + c[k+1] + 2) >> 2}, with the
 * first and last rows standing in for their missing neighbours. The JDK's libjpeg 6b has no such
 * filter and repeats each row instead, so the stored rows {@code c[k]} are exactly raster rows
 * {@code 2k}; this rebuilds Pillow's values from them.
 */
final class HalfHeightUpsampling {

    private final Raster raster;
    private final int band;
    private final int storedRows;
    private final int[] nearer;
    private final int[] farther;

    HalfHeightUpsampling(Raster raster, int band) {
        this.raster = raster;
        this.band = band;
        this.storedRows = (raster.getHeight() + 1) / 2;
        this.nearer = new int[raster.getWidth()];
        this.farther = new int[raster.getWidth()];
    }

    /** Replaces this band in {@code samples} (row {@code y}, {@code bands} samples per pixel) with the filtered values. */
    void apply(int y, int[] samples, int bands) {
        int k = y / 2;
        boolean upper = y % 2 == 0;
        int neighbour = upper ? Math.max(k - 1, 0) : Math.min(k + 1, storedRows - 1);
        int bias = upper ? 1 : 2;
        raster.getSamples(0, 2 * k, nearer.length, 1, band, nearer);
        raster.getSamples(0, 2 * neighbour, farther.length, 1, band, farther);
        for (int x = 0; x < nearer.length; x++) {
            samples[x * bands + band] = (3 * nearer[x] + farther[x] + bias) >> 2;
        }
    }
}
