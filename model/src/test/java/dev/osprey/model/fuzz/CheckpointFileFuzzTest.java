package dev.osprey.model.fuzz;

import static org.assertj.core.api.Assertions.assertThat;

import dev.osprey.model.checkpoint.PendingTensor;
import dev.osprey.model.checkpoint.SafetensorsFile;
import dev.osprey.model.checkpoint.SafetensorsWriter;
import dev.osprey.model.checkpoint.TensorStore;
import dev.osprey.model.checkpoint.TorchCheckpointFile;
import dev.osprey.model.checkpoint.TorchCheckpointWriter;
import dev.osprey.model.error.Reason;
import dev.osprey.model.tensor.DType;
import dev.osprey.model.tensor.Tensor;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.function.Function;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Random bytes and mutations of valid model files through {@link SafetensorsFile#open} and
 * {@link TorchCheckpointFile#open}, then every tensor read: each file opens to tensors whose shape
 * and bytes agree, or fails with {@code BAD_CHECKPOINT}, never another exception, an error of the
 * JVM or a hang. Seeds: small files from our writers and the golden checkpoint's real
 * {@code torch.save} archive; safetensors headers are mutated as JSON and by their length field,
 * torch archives by their zip records and their pickle, and random pickles stress the interpreter.
 */
class CheckpointFileFuzzTest {

    @TempDir
    Path tmp;

    private int files;

    @Test
    void randomBytesAreRefusedAsBadCheckpoints() {
        FuzzRun run = new FuzzRun("random checkpoint bytes", 0xC4EC_0001L, Reason.BAD_CHECKPOINT);
        List<Seed> prefixes = List.of(new Seed("no prefix", new byte[0]),
                new Seed("safetensors length and brace", new byte[] {16, 0, 0, 0, 0, 0, 0, 0, '{'}),
                new Seed("zip local header", new byte[] {'P', 'K', 3, 4}));
        for (int i = 0; i < 150; i++) {
            Mutant input = Mutant.randomBytes(run.random(i), prefixes.get(i % prefixes.size()), 4096);
            open(run, i, input, SafetensorsFile::open);
            open(run, i, input, TorchCheckpointFile::open);
        }
        run.assertNoFailures();
    }

    @Test
    void mutatedSafetensorsFilesOpenOrFailAsBadCheckpoints() {
        byte[] seed = safetensorsSeed();
        FuzzRun run = new FuzzRun("safetensors mutations", 0xC4EC_0002L, Reason.BAD_CHECKPOINT);
        for (int i = 0; i < 600; i++) {
            Random random = run.random(i);
            Mutant input = switch (random.nextInt(5)) {
                case 0 -> lengthField(random, seed);
                case 1, 2 -> withHeader(seed, JsonMutations.mutate(random, header(seed), "header"));
                case 3 -> tensorEntry(random, seed);
                default -> Mutant.mutate(random, seed, "t.safetensors");
            };
            open(run, i, input, SafetensorsFile::open);
        }
        run.assertNoFailures();
    }

    @Test
    void mutatedTorchArchivesOpenOrFailAsBadCheckpoints() {
        List<Seed> seeds = List.of(Seed.golden("checkpoint/osprey-tiny-bin", "open_clip_pytorch_model.bin").getFirst(),
                new Seed("t.bin", torchSeed()));
        FuzzRun run = new FuzzRun("torch archive mutations", 0xC4EC_0003L, Reason.BAD_CHECKPOINT);
        for (int i = 0; i < 600; i++) {
            Random random = run.random(i);
            Seed seed = seeds.get(random.nextInt(seeds.size()));
            Mutant input = switch (random.nextInt(4)) {
                case 0 -> TorchArchives.mutateZip(random, seed.bytes(), seed.name());
                case 1, 2 -> TorchArchives.mutatePickle(random, seed.bytes(), seed.name());
                default -> Mutant.mutate(random, seed.bytes(), seed.name());
            };
            open(run, i, input, TorchCheckpointFile::open);
        }
        run.assertNoFailures();
    }

    @Test
    void randomPicklesOpenOrFailAsBadCheckpoints() {
        FuzzRun run = new FuzzRun("random pickles", 0xC4EC_0004L, Reason.BAD_CHECKPOINT);
        byte[] storage = new byte[64];
        for (int i = 0; i < 300; i++) {
            Mutant pickle = TorchArchives.randomPickle(run.random(i));
            open(run, i, new Mutant(TorchArchives.storedZip(pickle.bytes(), storage), pickle.description()), TorchCheckpointFile::open);
        }
        run.assertNoFailures();
    }

    /**
     * Writes the input to a file of its own (an earlier one may still be mapped), opens it and reads
     * every tensor, which must be {@linkplain #assertConsistent consistent}.
     */
    private void open(FuzzRun run, int iteration, Mutant input, Function<Path, TensorStore> opener) {
        Path file = tmp.resolve("fuzz-" + files++);
        write(file, input.bytes());
        run.check(iteration, input.description(), () -> {
            try (TensorStore store = opener.apply(file)) {
                for (String name : store.names()) {
                    assertConsistent(store.get(name));
                }
                return store.names().size();
            }
        }, tensors -> {
            // checked above, while the store was open
        });
        try {
            // Linux keeps a mapped file readable after deletion; the next iterations need not pile up in /tmp.
            Files.delete(file);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Non-negative dimensions whose product times the element size is exactly the tensor's bytes, all readable. */
    private static void assertConsistent(Tensor tensor) {
        BigInteger bytes = BigInteger.valueOf(tensor.dtype().bytes());
        for (long d : tensor.shape()) {
            assertThat(d).as("%s dimension", tensor.name()).isNotNegative();
            bytes = bytes.multiply(BigInteger.valueOf(d));
        }
        assertThat(BigInteger.valueOf(tensor.byteSize())).as("%s bytes for %s", tensor.name(), Arrays.toString(tensor.shape())).isEqualTo(bytes);
        if (tensor.byteSize() > 0) {
            tensor.bytes().get((int) tensor.byteSize() - 1);
        }
    }

    /** The header length field set to a boundary value. */
    private static Mutant lengthField(Random random, byte[] seed) {
        long length = ByteBuffer.wrap(seed).order(ByteOrder.LITTLE_ENDIAN).getLong(0);
        long[] values = {0, 1, 2, length - 1, length + 1, seed.length - 8, seed.length - 7, 100L << 20, (100L << 20) + 1,
            Long.MAX_VALUE, -1, Long.MIN_VALUE, 1L << 32};
        long value = values[random.nextInt(values.length)];
        byte[] b = seed.clone();
        ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN).putLong(0, value);
        return new Mutant(b, "t.safetensors: header length := " + value);
    }

    /**
     * Tensor {@code a}'s dtype, shape and data offsets set to boundary values; half the time the
     * offsets span what a reader multiplying without overflow checks would compute for the shape
     * ({@code [-2, -3]} F32: 24 bytes; {@code [2^62]} F32: 2^64, wrapped to 0).
     */
    private static Mutant tensorEntry(Random random, byte[] seed) {
        String[] dtypes = {"F32", "BF16", "I64", "BOOL", "F8_E4M3", ""};
        int[] dtypeBytes = {4, 2, 8, 1, 1, 4};
        long[][] shapes = {{}, {0}, {-1}, {-2, -3}, {1L << 62}, {1L << 61, 2}, {1L << 32, 1L << 32}, {Long.MAX_VALUE}, {2, 3}, {6}};
        String[] offsets = {"[0, 0]", "[0, 24]", "[-8, 16]", "[24, 0]", "[0, 1000]", "[9223372036854775800, 9223372036854775807]",
            "[0, 9223372036854775807]", "[24, 48]", "[0]", "[\"0\", \"24\"]"};
        int d = random.nextInt(dtypes.length);
        long[] dims = shapes[random.nextInt(shapes.length)];
        String shape = random.nextInt(8) == 0 ? new String[] {"[1.5]", "[\"2\"]", "[[2], 3]", "{}"}[random.nextInt(4)] : Arrays.toString(dims);
        long wrapped = dtypeBytes[d];
        for (long dim : dims) {
            wrapped *= dim;
        }
        String offset = random.nextBoolean() ? "[0, " + wrapped + "]" : offsets[random.nextInt(offsets.length)];
        String json = new String(header(seed), StandardCharsets.UTF_8)
                .replaceFirst("\"dtype\":\"F32\",\"shape\":\\[2,3\\],\"data_offsets\":\\[0,24\\]",
                        "\"dtype\":\"" + dtypes[d] + "\",\"shape\":" + shape + ",\"data_offsets\":" + offset);
        return withHeader(seed, new Mutant(json.getBytes(StandardCharsets.UTF_8), "header: tensor a := " + dtypes[d] + shape + " at " + offset));
    }

    /** The seed with another header, its length field updated. */
    private static Mutant withHeader(byte[] seed, Mutant header) {
        int oldLength = (int) ByteBuffer.wrap(seed).order(ByteOrder.LITTLE_ENDIAN).getLong(0);
        byte[] prefix = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(header.bytes().length).array();
        byte[] head = Mutant.splice(prefix, 8, 8, header.bytes());
        return new Mutant(Mutant.splice(seed, 0, 8 + oldLength, head), "t.safetensors: " + header.description());
    }

    private static byte[] header(byte[] safetensors) {
        int length = (int) ByteBuffer.wrap(safetensors).order(ByteOrder.LITTLE_ENDIAN).getLong(0);
        return new String(safetensors, 8, length, StandardCharsets.UTF_8).strip().getBytes(StandardCharsets.UTF_8);
    }

    /** Tensors of several types and ranks, an empty one among them, with metadata. */
    private byte[] safetensorsSeed() {
        Path file = tmp.resolve("seed.safetensors");
        Tensor a = Tensor.ofFloats("a", new long[] {2, 3}, new float[] {1, -2, 3.5f, 0, 1e-8f, -0f});
        SafetensorsWriter.writeTensors(file, List.of(a, a.renamed("b").to(DType.BF16).reshaped(6),
                Tensor.ofFloats("scalar", new long[0], new float[] {7}), Tensor.ofFloats("empty", new long[] {0, 4}, new float[0])),
                Map.of("format", "pt"));
        return read(file);
    }

    private byte[] torchSeed() {
        Path file = tmp.resolve("seed.bin");
        Tensor a = Tensor.ofFloats("a", new long[] {2, 3}, new float[] {1, -2, 3.5f, 0, 1e-8f, -0f});
        TorchCheckpointWriter.write(file, List.of(PendingTensor.of(a), PendingTensor.of(a.renamed("b").to(DType.BF16)),
                PendingTensor.of(Tensor.ofFloats("scalar", new long[0], new float[] {7}))));
        return read(file);
    }

    private static byte[] read(Path file) {
        try {
            return Files.readAllBytes(file);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void write(Path file, byte[] bytes) {
        try {
            Files.write(file, bytes);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
