package dev.osprey.model.fuzz;

import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.function.BiFunction;

/**
 * A fuzzed input and what was done to get it ("png_rgb8.png: IDAT length := 0xffffffff"), plus
 * the format-blind byte mutations every fuzz test uses.
 *
 * @param bytes       the input
 * @param description its seed and mutation, for failure messages
 */
public record Mutant(byte[] bytes, String description) {

    /** Byte values that sit on a boundary of some length, count or sign. */
    private static final int[] INTERESTING_BYTES = {0x00, 0x01, 0x02, 0x7F, 0x80, 0xFE, 0xFF};

    /** {@code prefix} (a signature, say) and random bytes: at even odds up to 16 of them or up to {@code maxLength}. */
    static Mutant randomBytes(Random random, Seed prefix, int maxLength) {
        int length = random.nextInt((random.nextBoolean() ? 16 : maxLength) + 1);
        byte[] bytes = Arrays.copyOf(prefix.bytes(), prefix.bytes().length + length);
        for (int i = prefix.bytes().length; i < bytes.length; i++) {
            bytes[i] = (byte) random.nextInt(256);
        }
        return new Mutant(bytes, prefix.name() + ", " + length + " random bytes");
    }

    /** A seed picked at random and, at even odds, a {@code structural} mutation of it or a format-blind one. */
    static Mutant ofSeeds(Random random, List<Seed> seeds, BiFunction<Seed, Random, Mutant> structural) {
        Seed seed = seeds.get(random.nextInt(seeds.size()));
        return random.nextBoolean() ? structural.apply(seed, random) : mutate(random, seed.bytes(), seed.name());
    }

    /** One format-blind mutation of {@code seed}: bit flips, overwrites, a truncation, an insertion, a deletion or a repeat. */
    static Mutant mutate(Random random, byte[] seed, String seedName) {
        byte[] b = seed.clone();
        int n = b.length;
        return switch (random.nextInt(6)) {
            case 0 -> {
                int flips = 1 + random.nextInt(8);
                StringBuilder at = new StringBuilder();
                for (int i = 0; i < flips; i++) {
                    int p = random.nextInt(n);
                    int bit = random.nextInt(8);
                    b[p] ^= (byte) (1 << bit);
                    at.append(i == 0 ? "" : ",").append(p).append('.').append(bit);
                }
                yield new Mutant(b, seedName + ": bits flipped at " + at);
            }
            case 1 -> {
                int count = 1 + random.nextInt(4);
                StringBuilder at = new StringBuilder();
                for (int i = 0; i < count; i++) {
                    int p = random.nextInt(n);
                    int value = random.nextBoolean() ? INTERESTING_BYTES[random.nextInt(INTERESTING_BYTES.length)] : random.nextInt(256);
                    b[p] = (byte) value;
                    at.append(i == 0 ? "" : ",").append(p).append("=0x").append(Integer.toHexString(value));
                }
                yield new Mutant(b, seedName + ": bytes overwritten " + at);
            }
            case 2 -> {
                int length = random.nextInt(n);
                yield new Mutant(Arrays.copyOf(b, length), seedName + ": truncated to " + length + " bytes");
            }
            case 3 -> {
                int p = random.nextInt(n + 1);
                byte[] inserted = new byte[1 + random.nextInt(64)];
                random.nextBytes(inserted);
                yield new Mutant(splice(b, p, p, inserted), seedName + ": " + inserted.length + " random bytes inserted at " + p);
            }
            case 4 -> {
                int p = random.nextInt(n);
                int end = Math.min(n, p + 1 + random.nextInt(64));
                yield new Mutant(splice(b, p, end, new byte[0]), seedName + ": bytes [" + p + ", " + end + ") deleted");
            }
            default -> {
                int p = random.nextInt(n);
                int end = Math.min(n, p + 1 + random.nextInt(256));
                yield new Mutant(splice(b, end, end, Arrays.copyOfRange(b, p, end)), seedName + ": bytes [" + p + ", " + end + ") repeated");
            }
        };
    }

    /** {@code bytes} with {@code [from, to)} replaced by {@code replacement}. */
    static byte[] splice(byte[] bytes, int from, int to, byte[] replacement) {
        byte[] out = new byte[bytes.length - (to - from) + replacement.length];
        System.arraycopy(bytes, 0, out, 0, from);
        System.arraycopy(replacement, 0, out, from, replacement.length);
        System.arraycopy(bytes, to, out, from + replacement.length, bytes.length - to);
        return out;
    }
}
