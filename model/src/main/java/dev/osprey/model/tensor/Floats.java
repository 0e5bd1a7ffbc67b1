package dev.osprey.model.tensor;

/** Conversions between float32 and the 16-bit float formats. */
public final class Floats {

    private Floats() {
    }

    /** bfloat16 bits to float32: bf16 is the upper half of a float32. */
    public static float bf16ToFloat(short bits) {
        return Float.intBitsToFloat((bits & 0xFFFF) << 16);
    }

    /** float32 to bfloat16 bits, rounding to nearest even (as torch does); NaN stays NaN. */
    public static short floatToBf16(float value) {
        int bits = Float.floatToRawIntBits(value);
        if (Float.isNaN(value)) {
            return (short) ((bits >>> 16) | 0x40);
        }
        int rounding = 0x7FFF + ((bits >>> 16) & 1);
        return (short) ((bits + rounding) >>> 16);
    }

    /** IEEE half bits to float32. */
    public static float f16ToFloat(short bits) {
        return Float.float16ToFloat(bits);
    }

    /** float32 to IEEE half bits, rounding to nearest even. */
    public static short floatToF16(float value) {
        return Float.floatToFloat16(value);
    }
}
