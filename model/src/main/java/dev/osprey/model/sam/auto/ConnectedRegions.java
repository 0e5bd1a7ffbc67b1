package dev.osprey.model.sam.auto;

import java.util.Arrays;

/**
 * The 8-connected regions of the pixels of a mask that have one value, with what OpenCV's
 * {@code connectedComponentsWithStats(..., 8)} tells the reference: each region's size, and its
 * label order. OpenCV's default 8-connectivity algorithms label 2×2 blocks (all pixels of a block
 * touch each other) in block-raster order and number the regions by their first block; {@link #first}
 * is that block's index, so ties between regions break as OpenCV's labels do.
 */
final class ConnectedRegions {

    /** Per pixel, the region (0-based) or -1 for pixels of the other value. */
    final int[] region;
    /** Pixels per region. */
    final int[] sizes;
    /** Per region, the block-raster index of its first 2×2 block (smaller = lower OpenCV label). */
    final long[] first;

    private ConnectedRegions(int[] region, int[] sizes, long[] first) {
        this.region = region;
        this.sizes = sizes;
        this.first = first;
    }

    /** The regions of the pixels equal to {@code value} in a {@code height × width} row-major 0/1 mask. */
    static ConnectedRegions of(byte[] mask, int height, int width, int value) {
        int[] region = new int[mask.length];
        Arrays.fill(region, -1);
        int[] queue = new int[mask.length];
        int[] sizes = new int[16];
        long[] first = new long[16];
        int count = 0;
        long blocksPerRow = (width + 1) / 2;
        for (int start = 0; start < mask.length; start++) {
            if (mask[start] != value || region[start] >= 0) {
                continue;
            }
            if (count == sizes.length) {
                sizes = Arrays.copyOf(sizes, 2 * count);
                first = Arrays.copyOf(first, 2 * count);
            }
            long firstBlock = Long.MAX_VALUE;
            int head = 0;
            int tail = 0;
            queue[tail++] = start;
            region[start] = count;
            while (head < tail) {
                int p = queue[head++];
                int y = p / width;
                int x = p % width;
                firstBlock = Math.min(firstBlock, (y / 2) * blocksPerRow + x / 2);
                for (int dy = -1; dy <= 1; dy++) {
                    int ny = y + dy;
                    if (ny < 0 || ny >= height) {
                        continue;
                    }
                    for (int dx = -1; dx <= 1; dx++) {
                        int nx = x + dx;
                        int q = ny * width + nx;
                        if (nx >= 0 && nx < width && mask[q] == value && region[q] < 0) {
                            region[q] = count;
                            queue[tail++] = q;
                        }
                    }
                }
            }
            sizes[count] = tail;
            first[count] = firstBlock;
            count++;
        }
        return new ConnectedRegions(region, Arrays.copyOf(sizes, count), Arrays.copyOf(first, count));
    }

    /** Number of regions. */
    int count() {
        return sizes.length;
    }
}
