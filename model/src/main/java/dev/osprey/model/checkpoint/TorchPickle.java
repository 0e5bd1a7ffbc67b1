package dev.osprey.model.checkpoint;

import dev.osprey.model.error.OspreyException;
import dev.osprey.model.tensor.DType;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A pickle interpreter for the subset that {@code torch.save} emits for a state dict (protocols 2 to
 * 4): containers, numbers, strings, memo, persistent ids for storages, and a fixed allow-list of
 * globals ({@code collections.OrderedDict}, {@code torch._utils._rebuild_tensor_v2},
 * {@code _rebuild_parameter}, the typed storage classes). It never runs arbitrary code: any other
 * global is an error naming it.
 */
final class TorchPickle {

    /** A tensor's storage: a {@code data/<key>} entry of the archive. */
    record StorageRef(DType dtype, String key, long numel) {
    }

    /** A tensor view: storage, element offset, shape and strides (in elements). */
    record TensorRef(StorageRef storage, long offset, long[] shape, long[] stride) {
    }

    private record Global(String module, String name) {
        String qualified() {
            return module + "." + name;
        }
    }

    private static final Object MARK = new Object();
    private static final Map<String, DType> STORAGE_TYPES = Map.of(
            "FloatStorage", DType.F32, "HalfStorage", DType.F16, "BFloat16Storage", DType.BF16,
            "DoubleStorage", DType.F64, "LongStorage", DType.I64, "IntStorage", DType.I32,
            "CharStorage", DType.I8, "ByteStorage", DType.U8, "BoolStorage", DType.BOOL);

    private final ByteBuffer in;
    private final String source;
    private final Deque<Object> stack = new ArrayDeque<>();
    private final Map<Long, Object> memo = new HashMap<>();

    private TorchPickle(ByteBuffer in, String source) {
        this.in = in.order(ByteOrder.LITTLE_ENDIAN);
        this.source = source;
    }

    /** Unpickles a torch state dict (bare, or as the single entry {@code "model"} of a dict): tensor name to tensor view. */
    static Map<String, TensorRef> loadStateDict(ByteBuffer pickle, String source) {
        Object root = new TorchPickle(pickle, source).run();
        // Training scripts often save {"model": state_dict}: the weights are that one entry.
        if (root instanceof Map<?, ?> wrapper && wrapper.size() == 1 && wrapper.get("model") instanceof Map<?, ?> inner) {
            root = inner;
        }
        if (!(root instanceof Map<?, ?> map)) {
            throw OspreyException.badCheckpoint(source + " does not hold a state dict (found " + describe(root) + ")");
        }
        Map<String, TensorRef> tensors = new LinkedHashMap<>();
        for (Map.Entry<?, ?> entry : map.entrySet()) {
            if (!(entry.getKey() instanceof String key) || !(entry.getValue() instanceof TensorRef tensor)) {
                throw OspreyException.badCheckpoint(source + ": entry " + entry.getKey() + " is " + describe(entry.getValue())
                        + ", expected a tensor (is this a training checkpoint rather than model weights?)");
            }
            tensors.put(key, tensor);
        }
        return tensors;
    }

    private Object run() {
        try {
            while (true) {
                int op = in.get() & 0xFF;
                switch (op) {
                    case 0x80 -> in.get(); // PROTO n
                    case 0x95 -> in.getLong(); // FRAME size: framing only matters for streaming readers
                    case '.' -> {
                        return stack.pop();
                    }
                    case '(' -> stack.push(MARK);
                    case '}' -> stack.push(new LinkedHashMap<>());
                    case ']' -> stack.push(new ArrayList<>());
                    case ')' -> stack.push(List.of());
                    case 't' -> stack.push(List.copyOf(popToMark()));
                    case 'l' -> stack.push(new ArrayList<>(popToMark()));
                    case 'd' -> stack.push(dictOf(popToMark()));
                    case 0x85 -> stack.push(tuple(1));
                    case 0x86 -> stack.push(tuple(2));
                    case 0x87 -> stack.push(tuple(3));
                    case 'q' -> memo.put((long) (in.get() & 0xFF), stack.element());
                    case 'r' -> memo.put(Integer.toUnsignedLong(in.getInt()), stack.element());
                    case 0x94 -> memo.put((long) memo.size(), stack.element());
                    case 'h' -> stack.push(memoGet(in.get() & 0xFF));
                    case 'j' -> stack.push(memoGet(Integer.toUnsignedLong(in.getInt())));
                    case 'X', 'T' -> stack.push(string(Integer.toUnsignedLong(in.getInt())));
                    case 0x8c, 'U' -> stack.push(string(in.get() & 0xFF));
                    case 0x8d -> stack.push(string(in.getLong()));
                    case 'B' -> stack.push(bytes(Integer.toUnsignedLong(in.getInt())));
                    case 'C' -> stack.push(bytes(in.get() & 0xFF));
                    case 'c' -> stack.push(new Global(line(), line()));
                    case 0x93 -> {
                        String name = (String) stack.pop();
                        stack.push(new Global((String) stack.pop(), name));
                    }
                    case 'J' -> stack.push((long) in.getInt());
                    case 'K' -> stack.push((long) (in.get() & 0xFF));
                    case 'M' -> stack.push((long) (in.getShort() & 0xFFFF));
                    case 0x8a -> stack.push(long1(in.get() & 0xFF));
                    case 'N' -> stack.push(NONE);
                    case 0x88 -> stack.push(Boolean.TRUE);
                    case 0x89 -> stack.push(Boolean.FALSE);
                    case 'G' -> stack.push(Double.longBitsToDouble(Long.reverseBytes(in.getLong()))); // big-endian
                    case 'R' -> {
                        List<?> args = (List<?>) stack.pop();
                        stack.push(reduce(stack.pop(), args));
                    }
                    case 0x81 -> {
                        List<?> args = (List<?>) stack.pop();
                        stack.push(reduce(stack.pop(), args));
                    }
                    case 'b' -> stack.pop(); // BUILD: object state (e.g. a state dict's _metadata) is not needed
                    case 's' -> {
                        Object value = stack.pop();
                        Object key = key(stack.pop());
                        map(stack.element()).put(key, value);
                    }
                    case 'u' -> {
                        List<Object> items = popToMark();
                        Map<Object, Object> target = map(stack.element());
                        for (int i = 0; i + 1 < items.size(); i += 2) {
                            target.put(key(items.get(i)), items.get(i + 1));
                        }
                    }
                    case 'a' -> {
                        Object value = stack.pop();
                        list(stack.element()).add(value);
                    }
                    case 'e' -> {
                        List<Object> items = popToMark();
                        list(stack.element()).addAll(items);
                    }
                    case 'Q' -> stack.push(persistentLoad(stack.pop()));
                    default -> throw OspreyException.badCheckpoint(source + ": unsupported pickle opcode 0x"
                            + Integer.toHexString(op) + " at byte " + (in.position() - 1));
                }
            }
        } catch (java.nio.BufferUnderflowException | ClassCastException | java.util.NoSuchElementException | IndexOutOfBoundsException e) {
            // The opcodes do not fit together: too few bytes, items, or arguments, or an item of the wrong kind.
            throw OspreyException.badCheckpoint(source + ": corrupt pickle (" + e.getClass().getSimpleName() + " at byte " + in.position() + ")");
        }
    }

    /** Python's None. */
    private static final Object NONE = new Object() {
        @Override
        public String toString() {
            return "None";
        }
    };

    private Object reduce(Object callable, List<?> args) {
        if (!(callable instanceof Global global)) {
            throw OspreyException.badCheckpoint(source + ": cannot call " + describe(callable));
        }
        return switch (global.qualified()) {
            case "collections.OrderedDict" -> new LinkedHashMap<>();
            case "torch._utils._rebuild_tensor_v2" -> new TensorRef((StorageRef) args.get(0), (Long) args.get(1),
                    longs((List<?>) args.get(2)), longs((List<?>) args.get(3)));
            case "torch._utils._rebuild_parameter", "torch._utils._rebuild_parameter_with_state" -> args.get(0);
            default -> throw OspreyException.badCheckpoint(source + ": unsupported pickle global " + global.qualified()
                    + " (only plain PyTorch state dicts are read)");
        };
    }

    private Object persistentLoad(Object pid) {
        List<?> id = (List<?>) pid;
        if (id.size() < 5 || !"storage".equals(id.get(0)) || !(id.get(1) instanceof Global type)) {
            // described, not printed: a crafted id can nest deeply enough to overflow the stack in toString
            throw OspreyException.badCheckpoint(source + ": unsupported persistent id (" + describe(pid) + ")");
        }
        DType dtype = STORAGE_TYPES.get(type.name());
        if (dtype == null || !type.module().equals("torch")) {
            throw OspreyException.badCheckpoint(source + ": unsupported storage type " + type.qualified()
                    + " (supported: float32, float16, bfloat16 and integer storages)");
        }
        return new StorageRef(dtype, (String) id.get(2), (Long) id.get(4));
    }

    private List<Object> popToMark() {
        List<Object> items = new ArrayList<>();
        Object item;
        while ((item = stack.pop()) != MARK) {
            items.add(item);
        }
        // reversed once at the end: inserting each item at the front made a long tuple quadratic
        return items.reversed();
    }

    private List<Object> tuple(int n) {
        Object[] items = new Object[n];
        for (int i = n - 1; i >= 0; i--) {
            items[i] = stack.pop();
        }
        return java.util.Arrays.asList(items);
    }

    private Map<Object, Object> dictOf(List<Object> items) {
        Map<Object, Object> map = new LinkedHashMap<>();
        for (int i = 0; i + 1 < items.size(); i += 2) {
            map.put(key(items.get(i)), items.get(i + 1));
        }
        return map;
    }

    /**
     * A dict key. Lists and dicts are unhashable, as in Python; tuples (lists here) are refused too,
     * since a state dict never has them and hashing a deeply nested one overflows the stack.
     */
    private Object key(Object key) {
        if (key instanceof List || key instanceof Map) {
            throw OspreyException.badCheckpoint(source + ": corrupt pickle (" + describe(key) + " as a dict key)");
        }
        return key;
    }

    @SuppressWarnings("unchecked")
    private static Map<Object, Object> map(Object o) {
        return (Map<Object, Object>) o;
    }

    @SuppressWarnings("unchecked")
    private static List<Object> list(Object o) {
        return (List<Object>) o;
    }

    private Object memoGet(long index) {
        Object value = memo.get(index);
        if (value == null) {
            throw OspreyException.badCheckpoint(source + ": corrupt pickle (memo " + index + " not set)");
        }
        return value;
    }

    private String string(long length) {
        return new String(bytes(length), StandardCharsets.UTF_8);
    }

    /** The next {@code length} bytes; the length is checked against what is left before anything is allocated. */
    private byte[] bytes(long length) {
        if (length < 0 || length > in.remaining()) {
            throw OspreyException.badCheckpoint(source + ": corrupt pickle (a string or bytes of " + Long.toUnsignedString(length)
                    + " bytes at byte " + in.position() + ", " + in.remaining() + " left)");
        }
        byte[] bytes = new byte[(int) length];
        in.get(bytes);
        return bytes;
    }

    private String line() {
        StringBuilder line = new StringBuilder();
        byte b;
        while ((b = in.get()) != '\n') {
            line.append((char) b);
        }
        return line.toString();
    }

    private Long long1(int length) {
        long value = 0;
        for (int i = 0; i < length; i++) {
            value |= (long) (in.get() & 0xFF) << (8 * i);
        }
        if (length > 0 && length < 8 && (value >> (8 * length - 1) & 1) == 1) {
            value -= 1L << (8 * length);
        }
        return value;
    }

    private static long[] longs(List<?> values) {
        long[] out = new long[values.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = (Long) values.get(i);
        }
        return out;
    }

    private static String describe(Object o) {
        return o == null ? "nothing" : o instanceof Map ? "a dict" : o instanceof List ? "a tuple/list" : o.getClass().getSimpleName();
    }
}
