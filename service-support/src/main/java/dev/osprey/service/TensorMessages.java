package dev.osprey.service;

import dev.osprey.internal.v1.DataType;
import dev.osprey.internal.v1.Tensor;
import dev.osprey.internal.v1.TensorInfo;
import dev.osprey.model.error.OspreyException;
import dev.osprey.model.vision.FeatureMap;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;

/**
 * Float tensors to and from the {@code osprey.internal.v1.Tensor} message: raw little-endian bytes,
 * row-major. Reading checks dtype, shape and byte count, so a malformed message from a peer fails
 * with a message naming the tensor instead of a garbled result.
 */
public final class TensorMessages {

    private TensorMessages() {
    }

    /** A float32 tensor message. */
    public static Tensor floats(String name, long[] shape, float[] values) {
        if (numel(shape) != values.length) {
            throw new IllegalArgumentException(name + ": shape " + Arrays.toString(shape) + " does not hold " + values.length + " values");
        }
        ByteBuffer bytes = ByteBuffer.allocate(values.length * Float.BYTES).order(ByteOrder.LITTLE_ENDIAN);
        bytes.asFloatBuffer().put(values);
        return Tensor.newBuilder().setName(name).setDtype(DataType.FLOAT32).addAllShape(boxed(shape))
                .setData(com.google.protobuf.UnsafeByteOperations.unsafeWrap(bytes.array())).build();
    }

    /** A feature map as a float32 tensor message of its name and shape [C, H, W]. */
    public static Tensor featureMap(FeatureMap map) {
        return floats(map.name(), map.shape(), map.values());
    }

    /**
     * A float32 tensor message [C, H, W] as a feature map of the message's name.
     *
     * @param what names the tensor in errors, e.g. "encoder feature map 2"
     * @throws OspreyException BAD_INPUT naming {@code what} for another dtype, rank or byte count
     */
    public static FeatureMap featureMap(Tensor message, String what) {
        float[] values = floats(message, what, -1, -1, -1);
        long[] shape = shape(message);
        return new FeatureMap(message.getName(), (int) shape[0], (int) shape[1], (int) shape[2], values);
    }

    /** Name, dtype and shape of a float32 tensor. */
    public static TensorInfo info(String name, long[] shape) {
        return TensorInfo.newBuilder().setName(name).setDtype(DataType.FLOAT32).addAllShape(boxed(shape)).build();
    }

    /**
     * The values of a float32 tensor message whose shape matches {@code expectedShape}, where -1
     * matches any size.
     *
     * @param what names the tensor in errors, e.g. "region_tokens.mask_tokens"
     * @throws OspreyException BAD_INPUT naming {@code what} for another dtype, shape or byte count
     */
    public static float[] floats(Tensor message, String what, long... expectedShape) {
        if (message.getDtype() != DataType.FLOAT32) {
            throw OspreyException.badInput(what + ": dtype " + message.getDtype() + " is not FLOAT32");
        }
        long[] shape = shape(message);
        boolean matches = shape.length == expectedShape.length;
        for (int i = 0; matches && i < shape.length; i++) {
            matches = expectedShape[i] == -1 || expectedShape[i] == shape[i];
        }
        if (!matches) {
            throw OspreyException.badInput(what + ": shape " + Arrays.toString(shape) + " is not " + Arrays.toString(expectedShape)
                    + " (-1: any size)");
        }
        long numel = numel(shape);
        if (numel < 0 || numel * Float.BYTES != message.getData().size()) {
            throw OspreyException.badInput(what + ": " + message.getData().size() + " bytes of data for shape " + Arrays.toString(shape)
                    + " (float32 needs " + (numel < 0 ? "a valid shape" : numel * Float.BYTES + " bytes") + ")");
        }
        float[] values = new float[(int) numel];
        message.getData().asReadOnlyByteBuffer().order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer().get(values);
        return values;
    }

    /** The message's shape. */
    public static long[] shape(Tensor message) {
        return message.getShapeList().stream().mapToLong(Long::longValue).toArray();
    }

    // -1 for a negative dimension or more elements than a Java array holds.
    private static long numel(long[] shape) {
        long n = 1;
        for (long d : shape) {
            if (d < 0) {
                return -1;
            }
            n = d == 0 ? 0 : (n > Integer.MAX_VALUE / d ? Long.MAX_VALUE : n * d);
        }
        return n > Integer.MAX_VALUE ? -1 : n;
    }

    private static java.util.List<Long> boxed(long[] shape) {
        return Arrays.stream(shape).boxed().toList();
    }
}
