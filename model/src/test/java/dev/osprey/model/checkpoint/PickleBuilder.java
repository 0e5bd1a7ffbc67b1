package dev.osprey.model.checkpoint;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;

/** Writes pickle opcodes and their little-endian arguments, for hand-made (and broken) checkpoints in tests. */
public final class PickleBuilder {

    private final ByteArrayOutputStream out = new ByteArrayOutputStream();

    /** A pickle that starts with PROTO 2, as {@code torch.save} writes. */
    public static PickleBuilder protocol2() {
        return new PickleBuilder().op(0x80).op(2);
    }

    /**
     * A state dict of one tensor, {@code {name: _rebuild_tensor_v2(storage, offset, shape, stride,
     * False, OrderedDict())}}, over storage {@code data/<key>} of {@code storageClass}; then STOP.
     */
    public PickleBuilder stateDict(String name, String storageClass, String key, long storageNumel, long offset, long[] shape,
            long[] stride) {
        op('}').op('(').unicode(name).global("torch._utils", "_rebuild_tensor_v2").op('(');
        op('(').unicode("storage").global("torch", storageClass).unicode(key).unicode("cpu").integer(storageNumel).op('t').op('Q');
        integer(offset).tuple(shape).tuple(stride).op(0x89).global("collections", "OrderedDict").op(')').op('R');
        return op('t').op('R').op('u').op('.');
    }

    /** One opcode (or any byte). */
    public PickleBuilder op(int code) {
        out.write(code);
        return this;
    }

    public PickleBuilder raw(byte[] bytes) {
        out.writeBytes(bytes);
        return this;
    }

    public PickleBuilder int32(int v) {
        for (int i = 0; i < 4; i++) {
            out.write(v >>> (8 * i));
        }
        return this;
    }

    public PickleBuilder int64(long v) {
        for (int i = 0; i < 8; i++) {
            out.write((int) (v >>> (8 * i)));
        }
        return this;
    }

    /** BINUNICODE. */
    public PickleBuilder unicode(String s) {
        byte[] bytes = s.getBytes(StandardCharsets.UTF_8);
        return op('X').int32(bytes.length).raw(bytes);
    }

    /** GLOBAL. */
    public PickleBuilder global(String module, String name) {
        return op('c').raw((module + "\n" + name + "\n").getBytes(StandardCharsets.UTF_8));
    }

    /** BININT, or LONG1 with 8 bytes where it does not fit. */
    public PickleBuilder integer(long v) {
        return v == (int) v ? op('J').int32((int) v) : op(0x8a).op(8).int64(v);
    }

    /** MARK, the integers, TUPLE. */
    public PickleBuilder tuple(long[] values) {
        op('(');
        for (long v : values) {
            integer(v);
        }
        return op('t');
    }

    public byte[] bytes() {
        return out.toByteArray();
    }
}
