package dev.osprey.model.decode;

/**
 * One layer's keys (or values) of a cached prefix, [kvHeads, length, headDim] row-major, in a
 * {@link KvPrecision}: encoded from float32 once when the prefix is cached, decoded to float32
 * each time a question loads it.
 */
sealed interface KvRows {

    /** Encodes {@code values} (vectors of {@code width}) at {@code precision}. */
    static KvRows encode(KvPrecision precision, float[] values, int width) {
        return switch (precision) {
            case FP32 -> new Fp32(values.clone());
            case FP16 -> Fp16.of(values);
            case INT8 -> Int8.of(values, width);
        };
    }

    /** Writes the float32 values into {@code out} (the same length as encoded). */
    void decode(float[] out);

    /** Bytes held. */
    long bytes();

    /** Float32, as computed. */
    record Fp32(float[] values) implements KvRows {
        @Override
        public void decode(float[] out) {
            System.arraycopy(values, 0, out, 0, values.length);
        }

        @Override
        public long bytes() {
            return 4L * values.length;
        }
    }

    /** IEEE half precision. */
    record Fp16(short[] halves) implements KvRows {
        static Fp16 of(float[] values) {
            short[] halves = new short[values.length];
            for (int i = 0; i < values.length; i++) {
                halves[i] = Float.floatToFloat16(values[i]);
            }
            return new Fp16(halves);
        }

        @Override
        public void decode(float[] out) {
            for (int i = 0; i < halves.length; i++) {
                out[i] = Float.float16ToFloat(halves[i]);
            }
        }

        @Override
        public long bytes() {
            return 2L * halves.length;
        }
    }

    /** Symmetric int8 with one scale per vector: value ≈ code × scale, scale = max |value| / 127. */
    record Int8(byte[] codes, float[] scales, int width) implements KvRows {
        static Int8 of(float[] values, int width) {
            int vectors = values.length / width;
            byte[] codes = new byte[values.length];
            float[] scales = new float[vectors];
            for (int v = 0; v < vectors; v++) {
                int base = v * width;
                float max = 0;
                for (int i = 0; i < width; i++) {
                    max = Math.max(max, Math.abs(values[base + i]));
                }
                float scale = max / 127f;
                scales[v] = scale;
                float inverse = scale == 0 ? 0 : 1 / scale;
                for (int i = 0; i < width; i++) {
                    codes[base + i] = (byte) Math.round(values[base + i] * inverse);
                }
            }
            return new Int8(codes, scales, width);
        }

        @Override
        public void decode(float[] out) {
            for (int v = 0; v < scales.length; v++) {
                float scale = scales[v];
                int base = v * width;
                for (int i = 0; i < width; i++) {
                    out[base + i] = codes[base + i] * scale;
                }
            }
        }

        @Override
        public long bytes() {
            return codes.length + 4L * scales.length;
        }
    }

    /**
     * The codes of an int8 KV cache as the attention stored them, with the cache's fixed scale per
     * (head, channel): copied back into an int8 cache as they are.
     *
     * @param scales [kvHeads × width], from the cache's {@link KvScales}
     */
    record CacheCodes(byte[] codes, float[] scales, int length, int width) implements KvRows {
        @Override
        public void decode(float[] out) {
            int heads = scales.length / width;
            for (int h = 0; h < heads; h++) {
                for (int t = 0; t < length; t++) {
                    int base = (h * length + t) * width;
                    for (int c = 0; c < width; c++) {
                        out[base + c] = codes[base + c] * scales[h * width + c];
                    }
                }
            }
        }

        @Override
        public long bytes() {
            return codes.length;
        }
    }
}
