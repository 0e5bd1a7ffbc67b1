package dev.osprey.model.tensor;

import dev.osprey.model.error.OspreyException;
import dev.osprey.model.error.Reason;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * A named tensor whose data is little-endian row-major bytes, possibly a window of a memory-mapped
 * file (so reading a checkpoint does not copy it onto the heap).
 *
 * @param name  the tensor's key in its file
 * @param dtype element type of {@code data}
 * @param shape dimensions, outermost first
 * @param data  exactly {@code numel * dtype.bytes()} bytes, position 0, little-endian
 */
public record Tensor(String name, DType dtype, long[] shape, ByteBuffer data) {

    public Tensor {
        long expected = Shape.numel(shape) * dtype.bytes();
        if (data.remaining() != expected) {
            throw new OspreyException(Reason.BAD_CHECKPOINT, "tensor " + name + " " + dtype + Shape.toString(shape)
                    + " needs " + expected + " bytes, found " + data.remaining());
        }
        data = data.slice().order(ByteOrder.LITTLE_ENDIAN);
    }

    /** A float32 tensor over the given values (copied into a direct little-endian buffer). */
    public static Tensor ofFloats(String name, long[] shape, float[] values) {
        ByteBuffer bytes = ByteBuffer.allocate(values.length * 4).order(ByteOrder.LITTLE_ENDIAN);
        bytes.asFloatBuffer().put(values);
        return new Tensor(name, DType.F32, shape, bytes);
    }

    public long numel() {
        return Shape.numel(shape);
    }

    /** Size in bytes. */
    public long byteSize() {
        return data.remaining();
    }

    /** A fresh read-only view of the bytes, little-endian, position 0. */
    public ByteBuffer bytes() {
        return data.asReadOnlyBuffer().order(ByteOrder.LITTLE_ENDIAN);
    }

    /** The values as float32 (converted from bf16, fp16 or fp32; other types are rejected). */
    public float[] toFloats() {
        int n = Math.toIntExact(numel());
        float[] out = new float[n];
        if (dtype == DType.F64) {
            ByteBuffer in = bytes();
            for (int i = 0; i < n; i++) {
                out[i] = (float) in.getDouble(8 * i);
            }
        } else {
            readFloats(0, out, 0, n);
        }
        return out;
    }

    /**
     * Reads {@code count} consecutive values starting at element {@code first} as float32 (from
     * bf16, fp16 or fp32), e.g. one row of a memory-mapped matrix without converting all of it.
     */
    public void readFloats(long first, float[] dst, int dstOffset, int count) {
        if (first < 0 || count < 0 || first + count > numel()) {
            throw new IndexOutOfBoundsException("elements [" + first + ", " + (first + count) + ") of " + this);
        }
        ByteBuffer in = bytes();
        int base = Math.toIntExact(first * dtype.bytes());
        switch (dtype) {
            case F32 -> in.position(base).asFloatBuffer().get(dst, dstOffset, count);
            case BF16 -> {
                for (int i = 0; i < count; i++) {
                    dst[dstOffset + i] = Floats.bf16ToFloat(in.getShort(base + 2 * i));
                }
            }
            case F16 -> {
                for (int i = 0; i < count; i++) {
                    dst[dstOffset + i] = Floats.f16ToFloat(in.getShort(base + 2 * i));
                }
            }
            default -> throw new OspreyException(Reason.BAD_CHECKPOINT, "tensor " + name + " is " + dtype + ", expected a float type");
        }
    }

    /** A matrix [rows, cols] transposed to [cols, rows], as float32 (e.g. a Linear weight stored for MatMul). */
    public Tensor transposed() {
        if (shape.length != 2) {
            throw new IllegalArgumentException("only a matrix can be transposed, " + name + " is " + Shape.toString(shape));
        }
        int rows = Math.toIntExact(shape[0]);
        int cols = Math.toIntExact(shape[1]);
        float[] in = toFloats();
        float[] out = new float[in.length];
        for (int r = 0; r < rows; r++) {
            for (int c = 0; c < cols; c++) {
                out[c * rows + r] = in[r * cols + c];
            }
        }
        return ofFloats(name, new long[] {cols, rows}, out);
    }

    /** This tensor converted to float32 (the same tensor when it already is). */
    public Tensor toF32() {
        return dtype == DType.F32 ? this : ofFloats(name, shape, toFloats());
    }

    /** This tensor's values rounded to another float type (F32, F16 or BF16). */
    public Tensor to(DType target) {
        if (target == dtype) {
            return this;
        }
        float[] values = toFloats();
        ByteBuffer out = ByteBuffer.allocate(values.length * target.bytes()).order(ByteOrder.LITTLE_ENDIAN);
        switch (target) {
            case F32 -> {
                for (float v : values) {
                    out.putFloat(v);
                }
            }
            case F16 -> {
                for (float v : values) {
                    out.putShort(Floats.floatToF16(v));
                }
            }
            case BF16 -> {
                for (float v : values) {
                    out.putShort(Floats.floatToBf16(v));
                }
            }
            default -> throw new IllegalArgumentException("cannot convert to " + target);
        }
        return new Tensor(name, target, shape, out.flip());
    }

    /** The same data under another name. */
    public Tensor renamed(String newName) {
        return new Tensor(newName, dtype, shape, data);
    }

    /**
     * The rows of {@code parts} stacked in order under {@code name}: parts of one type whose shapes
     * differ only in the first dimension (e.g. projection weights [out, in] fused into one).
     */
    public static Tensor concatRows(String name, Tensor... parts) {
        long rows = 0;
        for (Tensor part : parts) {
            if (part.dtype != parts[0].dtype || part.shape.length != parts[0].shape.length
                    || !java.util.Arrays.equals(part.shape, 1, part.shape.length, parts[0].shape, 1, parts[0].shape.length)) {
                throw new OspreyException(Reason.BAD_CHECKPOINT, "cannot stack " + part + " under " + parts[0]
                        + ": the types or the trailing dimensions differ");
            }
            rows += part.shape[0];
        }
        long[] shape = parts[0].shape.clone();
        shape[0] = rows;
        ByteBuffer out = ByteBuffer.allocate(Math.toIntExact(Shape.numel(shape) * parts[0].dtype.bytes())).order(ByteOrder.LITTLE_ENDIAN);
        for (Tensor part : parts) {
            out.put(part.bytes());
        }
        return new Tensor(name, parts[0].dtype, shape, out.flip());
    }

    /** The same data with another shape of the same element count. */
    public Tensor reshaped(long... newShape) {
        return new Tensor(name, dtype, newShape, data);
    }

    @Override
    public String toString() {
        return name + " " + dtype + Shape.toString(shape);
    }
}
