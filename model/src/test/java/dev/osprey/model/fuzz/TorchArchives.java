package dev.osprey.model.fuzz;

import dev.osprey.model.checkpoint.PickleBuilder;
import dev.osprey.model.checkpoint.StoredZip;
import dev.osprey.model.tensor.Shape;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * PyTorch checkpoint archives for fuzzing: stored zips around any pickle, random pickle programs
 * (opcode soup, state dicts with boundary arguments, and the shapes that stress an interpreter: huge
 * lengths, deep nesting, self-reference, long tuples) and mutations of a real archive's zip records
 * and of its {@code data.pkl} in place.
 */
final class TorchArchives {

    private static final int EOCD = 0x06054b50;
    private static final int CENTRAL = 0x02014b50;
    private static final long[] BOUNDARY_LONGS = {0, 1, -1, 2, 7, Integer.MAX_VALUE, 1L << 31, 0xFFFFFFFFL, 1L << 32,
        1L << 61, 1L << 62, Long.MAX_VALUE, Long.MIN_VALUE, -(1L << 62)};
    private static final String[][] GLOBALS = {{"collections", "OrderedDict"}, {"torch._utils", "_rebuild_tensor_v2"},
        {"torch._utils", "_rebuild_parameter"}, {"torch", "FloatStorage"}, {"torch", "BFloat16Storage"}, {"os", "system"}, {"", ""}};

    private TorchArchives() {
    }

    /** An uncompressed zip of {@code archive/data.pkl} holding {@code pickle} and one storage {@code archive/data/0}. */
    static byte[] storedZip(byte[] pickle, byte[] storage) {
        Map<String, byte[]> entries = new LinkedHashMap<>();
        entries.put("archive/data.pkl", pickle);
        entries.put("archive/data/0", storage);
        return StoredZip.of(entries);
    }

    /** A random pickle: one of the stress shapes, a state dict with boundary arguments, or opcode soup. */
    static Mutant randomPickle(Random random) {
        PickleBuilder p = PickleBuilder.protocol2();
        String what;
        switch (random.nextInt(8)) {
            case 0 -> {
                // long enough that anything quadratic in the item count runs for seconds
                int n = 50_000 + random.nextInt(200_000);
                p.op('(');
                for (int i = 0; i < n; i++) {
                    p.op('K').op(1);
                }
                p.op(random.nextBoolean() ? 't' : 'l').op('.');
                what = "a tuple or list of " + n + " items";
            }
            case 1 -> {
                int depth = 20_000 + random.nextInt(80_000);
                int use = random.nextInt(3);
                if (use == 1) {
                    p.op('}');
                }
                for (int i = 0; i < depth; i++) {
                    p.op(']');
                }
                for (int i = 1; i < depth; i++) {
                    p.op('a');
                }
                // as a persistent id (printed in an error), as a dict key (hashed), or returned
                p.op(use == 0 ? 'Q' : use == 1 ? 'K' : '.');
                if (use == 1) {
                    p.op(1).op('s');
                }
                p.op('.');
                what = "lists nested " + depth + " deep, used " + new String[] {"as a persistent id", "as a dict key", "as the result"}[use];
            }
            case 2 -> {
                // a list that contains itself, then used as a dict key: hashing it never ends
                p.op(']').op('q').op(0).op('h').op(0).op('a');
                p.op('}').op('h').op(0).op('K').op(1).op('s').op('.');
                what = "a self-containing list as a dict key";
            }
            case 3 -> {
                int op = new int[] {'X', 'B', 0x8d, 'T'}[random.nextInt(4)];
                long length = BOUNDARY_LONGS[random.nextInt(BOUNDARY_LONGS.length)];
                p.op(op);
                if (op == 0x8d) {
                    p.int64(length);
                } else {
                    p.int32((int) length);
                }
                p.raw(new byte[random.nextInt(16)]).op('.');
                what = "opcode " + (char) op + " with length " + length;
            }
            case 4, 5 -> {
                what = stateDict(random, p);
            }
            default -> {
                int ops = random.nextInt(80);
                for (int i = 0; i < ops; i++) {
                    randomOp(random, p);
                }
                p.op('.');
                what = ops + " random opcodes";
            }
        }
        return new Mutant(p.bytes(), "pickle: " + what);
    }

    /** {@code {"w": _rebuild_tensor_v2(storage, offset, shape, stride, False, OrderedDict())}} with boundary arguments. */
    private static String stateDict(Random random, PickleBuilder p) {
        long offset = random.nextInt(3) == 0 ? boundary(random) : random.nextInt(4);
        long[] shape = longs(random, 1 + random.nextInt(3));
        long[] stride = random.nextInt(3) == 0 ? longs(random, random.nextInt(4)) : Shape.contiguousStrides(shape);
        long numel = random.nextInt(3) == 0 ? boundary(random) : 16;
        String storage = new String[] {"FloatStorage", "HalfStorage", "LongStorage", "BoolStorage", "QInt8Storage"}[random.nextInt(5)];
        String key = random.nextInt(5) == 0 ? "1" : "0";
        p.stateDict("w", storage, key, numel, offset, shape, stride);
        return "state dict of a " + storage + " tensor over data/" + key + ", offset " + offset + ", shape " + Arrays.toString(shape)
                + ", stride " + Arrays.toString(stride) + ", storage numel " + numel;
    }

    private static void randomOp(Random random, PickleBuilder p) {
        switch (random.nextInt(24)) {
            case 0 -> p.op('(');
            case 1 -> p.op('}');
            case 2 -> p.op(']');
            case 3 -> p.op(')');
            case 4 -> p.op(new int[] {'t', 'l', 'd', 0x85, 0x86, 0x87}[random.nextInt(6)]);
            case 5 -> p.op('q').op(random.nextInt(4));
            case 6 -> p.op('h').op(random.nextInt(4));
            case 7 -> p.op(0x94);
            case 8 -> p.unicode(new String[] {"storage", "cpu", "0", "w", ""}[random.nextInt(5)]);
            case 9 -> p.integer(random.nextBoolean() ? boundary(random) : random.nextInt(10));
            case 10 -> {
                String[] global = GLOBALS[random.nextInt(GLOBALS.length)];
                p.global(global[0], global[1]);
            }
            case 11 -> p.op('R');
            case 12 -> p.op(0x81);
            case 13 -> p.op('b');
            case 14 -> p.op('s');
            case 15 -> p.op('u');
            case 16 -> p.op('a');
            case 17 -> p.op('e');
            case 18 -> p.op('Q');
            case 19 -> p.op(new int[] {'N', 0x88, 0x89}[random.nextInt(3)]);
            case 20 -> p.op('G').int64(Long.reverseBytes(Double.doubleToLongBits(random.nextGaussian())));
            case 21 -> p.op(0x95).int64(boundary(random));
            case 22 -> p.op('j').int32(random.nextInt());
            default -> p.op(random.nextInt(256));
        }
    }

    /**
     * One mutation of a valid archive's zip records: a field of the end of central directory, of a
     * central entry or of a local header set to a boundary value, or ZIP64 records added.
     */
    static Mutant mutateZip(Random random, byte[] zip, String name) {
        ByteBuffer in = ByteBuffer.wrap(zip).order(ByteOrder.LITTLE_ENDIAN);
        int eocd = endOfCentralDirectory(in);
        if (random.nextInt(5) == 0) {
            return withZip64(random, zip, eocd, name);
        }
        List<Integer> central = centralEntries(in);
        byte[] b = zip.clone();
        ByteBuffer out = ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN);
        long value = random.nextInt(3) == 0 ? zip.length + random.nextInt(3) - 1 : boundary(random);
        int entry = central.get(random.nextInt(central.size()));
        int local = in.getInt(entry + 42);
        String[] fields = {"EOCD entries", "EOCD directory size", "EOCD directory offset", "EOCD comment length",
            "central method", "central compressed size", "central size", "central name length", "central extra length",
            "central local offset", "local name length", "local extra length"};
        int[] positions = {eocd + 10, eocd + 12, eocd + 16, eocd + 20, entry + 10, entry + 20, entry + 24, entry + 28, entry + 30,
            entry + 42, local + 26, local + 28};
        int[] widths = {2, 4, 4, 2, 2, 4, 4, 2, 2, 4, 2, 2};
        int f = random.nextInt(fields.length);
        if (widths[f] == 2) {
            out.putShort(positions[f], (short) value);
        } else {
            out.putInt(positions[f], (int) value);
        }
        return new Mutant(b, name + ": " + fields[f] + " (entry at " + entry + ") := " + (widths[f] == 2 ? value & 0xFFFF : value & 0xFFFFFFFFL));
    }

    /**
     * ZIP64 end-of-central-directory record and locator inserted before the end of central
     * directory, whose own fields then defer to them; each ZIP64 field is true or a boundary value.
     */
    private static Mutant withZip64(Random random, byte[] zip, int eocd, String name) {
        ByteBuffer in = ByteBuffer.wrap(zip).order(ByteOrder.LITTLE_ENDIAN);
        long[] fields = {in.getShort(eocd + 10), in.getInt(eocd + 12), in.getInt(eocd + 16), eocd};
        for (int f = 0; f < fields.length; f++) {
            if (random.nextInt(3) == 0) {
                fields[f] = boundary(random);
            }
        }
        ByteBuffer records = ByteBuffer.allocate(76).order(ByteOrder.LITTLE_ENDIAN);
        records.putInt(0x06064b50).putLong(44).putShort((short) 45).putShort((short) 45).putInt(0).putInt(0)
                .putLong(fields[0]).putLong(fields[0]).putLong(fields[1]).putLong(fields[2]);
        records.putInt(0x07064b50).putInt(0).putLong(fields[3]).putInt(1);
        byte[] b = Mutant.splice(zip, eocd, eocd, records.array());
        ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN).putShort(eocd + 76 + 10, (short) -1).putInt(eocd + 76 + 12, -1).putInt(eocd + 76 + 16, -1);
        return new Mutant(b, name + ": ZIP64 records added: entries " + fields[0] + ", directory size " + fields[1] + " at "
                + fields[2] + ", record at " + fields[3]);
    }

    /** One mutation of the bytes of {@code data.pkl} in place (the zip stays consistent): format-blind, or a length opcode planted. */
    static Mutant mutatePickle(Random random, byte[] zip, String name) {
        ByteBuffer in = ByteBuffer.wrap(zip).order(ByteOrder.LITTLE_ENDIAN);
        int entry = centralEntries(in).stream().filter(e -> entryName(in, e).endsWith("data.pkl")).findFirst().orElseThrow();
        int local = in.getInt(entry + 42);
        int data = local + 30 + Short.toUnsignedInt(in.getShort(local + 26)) + Short.toUnsignedInt(in.getShort(local + 28));
        int length = in.getInt(entry + 24);
        byte[] b = zip.clone();
        if (random.nextBoolean()) {
            Mutant m = Mutant.mutate(random, Arrays.copyOfRange(zip, data, data + length), "data.pkl");
            System.arraycopy(m.bytes(), 0, b, data, Math.min(length, m.bytes().length));
            return new Mutant(b, name + ": " + m.description() + " (kept at " + length + " bytes)");
        }
        int at = data + random.nextInt(length);
        int op = new int[] {'X', 'B', 'T', 'j', 'r', 0x8d, 0x95}[random.nextInt(7)];
        long value = boundary(random);
        b[at] = (byte) op;
        for (int i = 1; i <= 8 && at + i < data + length; i++) {
            b[at + i] = (byte) (value >>> (8 * (i - 1)));
        }
        return new Mutant(b, name + ": opcode " + (char) op + " with argument " + value + " planted at pickle byte " + (at - data));
    }

    private static int endOfCentralDirectory(ByteBuffer zip) {
        int eocd = zip.limit() - 22;
        while (zip.getInt(eocd) != EOCD) {
            eocd--;
        }
        return eocd;
    }

    /** The offsets of the central directory's entries. */
    private static List<Integer> centralEntries(ByteBuffer zip) {
        int eocd = endOfCentralDirectory(zip);
        List<Integer> entries = new ArrayList<>();
        for (int at = zip.getInt(eocd + 16); at + 46 <= eocd && zip.getInt(at) == CENTRAL;
                at += 46 + Short.toUnsignedInt(zip.getShort(at + 28)) + Short.toUnsignedInt(zip.getShort(at + 30))
                + Short.toUnsignedInt(zip.getShort(at + 32))) {
            entries.add(at);
        }
        return entries;
    }

    private static String entryName(ByteBuffer zip, int entry) {
        byte[] name = new byte[Short.toUnsignedInt(zip.getShort(entry + 28))];
        zip.get(entry + 46, name);
        return new String(name, StandardCharsets.UTF_8);
    }

    private static long boundary(Random random) {
        return BOUNDARY_LONGS[random.nextInt(BOUNDARY_LONGS.length)];
    }

    private static long[] longs(Random random, int n) {
        long[] values = new long[n];
        for (int i = 0; i < n; i++) {
            values[i] = random.nextInt(4) == 0 ? boundary(random) : 1 + random.nextInt(4);
        }
        return values;
    }
}
