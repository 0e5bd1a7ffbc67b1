package dev.osprey.model.decode;

/**
 * A weight matrix [N, K] (PyTorch's [out, in]) quantised block-wise along K in the layout of ONNX
 * Runtime's {@code com.microsoft.MatMulNBits}: each row is cut into {@code ceil(K / blockSize)} blocks;
 * block values are {@code bits}-bit unsigned integers packed little end first (for 4 bits the first
 * value is the low nibble); a block's value is {@code (q - zeroPoint) * scale}. The last block of a
 * row is padded with its zero point when K is not a multiple of the block size.
 *
 * @param n          output features (rows)
 * @param k          input features (columns)
 * @param bits       bits per value (4 or 8)
 * @param blockSize  values per block, a power of two of at least 16
 * @param packed     [N, blocks, blockSize * bits / 8] bytes
 * @param scales     [N, blocks]
 * @param zeroPoints [N, ceil(blocks * bits / 8)] bytes, packed like {@code packed} and padded per row
 */
public record QuantizedWeight(int n, int k, int bits, int blockSize, byte[] packed, float[] scales, byte[] zeroPoints) {

    /** Blocks per row. */
    public int blocks() {
        return (k + blockSize - 1) / blockSize;
    }

    /** Bytes per block. */
    public int blobSize() {
        return blockSize * bits / 8;
    }

    /** Bytes of zero points per row. */
    public int zeroPointBytesPerRow() {
        return (blocks() * bits + 7) / 8;
    }

    /** The shape MatMulNBits expects for {@code packed}. */
    public long[] packedShape() {
        return new long[] {n, blocks(), blobSize()};
    }

    /** The weights as ONNX Runtime reconstructs them: {@code (q - zeroPoint) * scale}, row-major [N, K]. */
    public float[] dequantize() {
        float[] out = new float[Math.multiplyExact(n, k)];
        int blocks = blocks();
        for (int row = 0; row < n; row++) {
            for (int b = 0; b < blocks; b++) {
                float scale = scales[row * blocks + b];
                int zero = unpack(zeroPoints, (long) row * zeroPointBytesPerRow() * (8 / bits) + b, bits);
                int end = Math.min(blockSize, k - b * blockSize);
                for (int j = 0; j < end; j++) {
                    int q = unpack(packed, ((long) row * blocks + b) * blockSize + j, bits);
                    out[row * k + b * blockSize + j] = (q - zero) * scale;
                }
            }
        }
        return out;
    }

    /** Stores value {@code index} of a {@code bits}-bit packed array (the array starts zeroed). */
    static void pack(byte[] data, long index, int bits, int value) {
        int perByte = 8 / bits;
        int at = Math.toIntExact(index / perByte);
        data[at] = (byte) (data[at] | value << (int) (index % perByte) * bits);
    }

    /** Reads value {@code index} of a {@code bits}-bit packed array. */
    static int unpack(byte[] data, long index, int bits) {
        int perByte = 8 / bits;
        int shift = (int) (index % perByte) * bits;
        return (data[Math.toIntExact(index / perByte)] & 0xFF) >>> shift & (1 << bits) - 1;
    }
}
