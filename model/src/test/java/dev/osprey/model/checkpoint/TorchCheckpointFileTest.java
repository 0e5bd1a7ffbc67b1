package dev.osprey.model.checkpoint;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import dev.osprey.model.error.OspreyException;
import dev.osprey.model.error.Reason;
import dev.osprey.model.tensor.Tensor;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.assertj.core.api.AbstractThrowableAssert;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Corrupt PyTorch archives, each a case the checkpoint fuzz tests found, fail with BAD_CHECKPOINT. */
class TorchCheckpointFileTest {

    @TempDir
    Path tmp;

    @Test
    void aStringLengthBeyondThePickleIsRefusedBeforeAllocating() {
        // BINUNICODE claiming 2^31 - 1 bytes made the interpreter allocate them (OutOfMemoryError).
        byte[] pickle = {(byte) 0x80, 2, 'X', (byte) 0xFF, (byte) 0xFF, (byte) 0xFF, 0x7F, 'a', '.'};
        assertBadCheckpoint(pickle).hasMessageEndingWith(": corrupt pickle (a string or bytes of 2147483647 bytes at byte 7, 2 left)");
    }

    @Test
    void containersAreNeverHashedOrPrintedSoNestingCannotOverflowTheStack() {
        // A list that contains itself used as a dict key, and lists nested 50,000 deep used as a
        // persistent id, overflowed the stack in hashCode and toString (StackOverflowError).
        byte[] selfKey = {(byte) 0x80, 2, ']', 'q', 0, 'h', 0, 'a', '}', 'h', 0, 'K', 1, 's', '.'};
        assertBadCheckpoint(selfKey).hasMessageEndingWith(": corrupt pickle (a tuple/list as a dict key)");
        ByteArrayOutputStream deep = new ByteArrayOutputStream();
        deep.writeBytes(new byte[] {(byte) 0x80, 2});
        deep.writeBytes("]".repeat(50_000).getBytes(StandardCharsets.US_ASCII));
        deep.writeBytes("a".repeat(49_999).getBytes(StandardCharsets.US_ASCII));
        deep.writeBytes("Q.".getBytes(StandardCharsets.US_ASCII));
        assertBadCheckpoint(deep.toByteArray()).hasMessageEndingWith(": unsupported persistent id (a tuple/list)");
    }

    @Test
    void opcodesMissingTheirItemsOrArgumentsAreNamedCorruptPickles() {
        // APPEND with nothing left to append to, and _rebuild_tensor_v2 called without arguments, surfaced
        // as "cannot read FILE: Cannot invoke ... because ... is null" and "Index 0 out of bounds for length 0".
        byte[] append = {(byte) 0x80, 2, 'K', 1, 'a', '.'};
        assertBadCheckpoint(append).hasMessageEndingWith(": corrupt pickle (NoSuchElementException at byte 5)");
        byte[] noArguments = PickleBuilder.protocol2().global("torch._utils", "_rebuild_tensor_v2").op(')').op('R').op('.').bytes();
        assertBadCheckpoint(noArguments).hasMessageEndingWith(": corrupt pickle (ArrayIndexOutOfBoundsException at byte 37)");
    }

    @Test
    void aTupleOfAMillionItemsIsReadInLinearTime() {
        // Each item was inserted at the front of a list: 400,000 items took 10 s, a million would take minutes.
        ByteArrayOutputStream tuple = new ByteArrayOutputStream();
        tuple.writeBytes(new byte[] {(byte) 0x80, 2, '('});
        tuple.writeBytes("K\1".repeat(1_000_000).getBytes(StandardCharsets.US_ASCII));
        tuple.writeBytes("t.".getBytes(StandardCharsets.US_ASCII));
        // a bound against a hang, far above the linear time (well under a second)
        assertTimeoutPreemptively(Duration.ofSeconds(10),
                () -> assertBadCheckpoint(tuple.toByteArray()).hasMessageEndingWith(" does not hold a state dict (found a tuple/list)"));
    }

    @Test
    void aNegativeOrOverflowingShapeOrOffsetIsRefusedWhenOpening() {
        // A negative offset or shape passed the storage check (the bytes needed came out small) and
        // reached FileChannel.map in get() (IllegalArgumentException "Negative size"); an overflowing one
        // gave "long overflow".
        long[][] shapes = {{-2, -3}, {2, 3}, {1L << 62, 4}};
        long[][] strides = {{-3, 1}, {3, 1}, {4, 1}};
        long[] offsets = {0, -8, 0};
        String[] messages = {"invalid shape [-2, -3] or storage offset 0", "invalid shape [2, 3] or storage offset -8",
            "invalid shape [4611686018427387904, 4] or storage offset 0"};
        for (int i = 0; i < shapes.length; i++) {
            byte[] pickle = PickleBuilder.protocol2().stateDict("w", "FloatStorage", "0", 6, offsets[i], shapes[i], strides[i]).bytes();
            assertBadCheckpoint(pickle).hasMessageContaining(": tensor 'w' has an " + messages[i] + " (negative, or beyond any file)");
        }
    }

    @Test
    void zipRecordsPointingOutsideTheCentralDirectoryAreNamedCorrupt() throws IOException {
        // An entry count one too high read past the directory ("cannot read FILE: null"), a name length
        // of 65535 past its end ("cannot read FILE: Range [46, 46 + 65535) out of bounds for length ...").
        Path good = tmp.resolve("good.bin");
        TorchCheckpointWriter.write(good, List.of(PendingTensor.of(Tensor.ofFloats("w", new long[] {2}, new float[] {1, 2}))));
        byte[] zip = Files.readAllBytes(good);
        ByteBuffer in = ByteBuffer.wrap(zip).order(ByteOrder.LITTLE_ENDIAN);
        int eocd = zip.length - 22;
        int directory = in.getInt(eocd + 16);

        byte[] moreEntries = zip.clone();
        ByteBuffer.wrap(moreEntries).order(ByteOrder.LITTLE_ENDIAN).putShort(eocd + 10, (short) 5);
        assertBadCheckpoint(write("more.bin", moreEntries)).hasMessageEndingWith(": corrupt zip central directory (entry 4 of 5 not found)");
        byte[] longName = zip.clone();
        ByteBuffer.wrap(longName).order(ByteOrder.LITTLE_ENDIAN).putShort(directory + 28, (short) 0xFFFF);
        assertBadCheckpoint(write("name.bin", longName)).hasMessageEndingWith(": corrupt zip central directory (entry 0 runs past its end)");
    }

    /** Opening an archive of {@code pickle} and a 24-byte storage {@code data/0} fails with BAD_CHECKPOINT. */
    private AbstractThrowableAssert<?, ? extends Throwable> assertBadCheckpoint(byte[] pickle) {
        return assertBadCheckpoint(write("bad.bin", StoredZip.of(Map.of("bad/data.pkl", pickle, "bad/data/0", new byte[24]))));
    }

    private Path write(String name, byte[] bytes) {
        try {
            return Files.write(tmp.resolve(name), bytes);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static AbstractThrowableAssert<?, ? extends Throwable> assertBadCheckpoint(Path file) {
        return assertThatThrownBy(() -> TorchCheckpointFile.open(file))
                .isInstanceOfSatisfying(OspreyException.class, e -> assertThat(e.reason()).isEqualTo(Reason.BAD_CHECKPOINT))
                .hasMessageStartingWith(file.toString());
    }
}
