package dev.osprey.encoder.uploads;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.osprey.model.error.OspreyException;
import dev.osprey.model.error.Reason;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The directory store: what it writes survives a new instance, and damage is found, not served. */
class LocalUploadStoreTest {

    private static final String ID = "ab".repeat(32);
    private static final String OTHER = "cd".repeat(32);
    private static final byte[] BYTES = "the bytes of an upload".getBytes();

    @TempDir
    Path dir;

    @Test
    void whatIsPutIsReadBackByAnotherInstanceOverTheSameDirectory() {
        new LocalUploadStore(dir).put(ID, BYTES);

        LocalUploadStore restarted = new LocalUploadStore(dir);
        assertThat(restarted.get(ID)).hasValueSatisfying(bytes -> assertThat(bytes).isEqualTo(BYTES));
        assertThat(restarted.get(OTHER)).isEmpty();
    }

    @Test
    void aPutReplacesTheWholeFileAndLeavesNoTemporaryFileBehind() throws IOException {
        LocalUploadStore store = new LocalUploadStore(dir);
        store.put(ID, new byte[100_000]);
        store.put(ID, BYTES);

        assertThat(store.get(ID)).hasValueSatisfying(bytes -> assertThat(bytes).isEqualTo(BYTES));
        assertThat(files()).containsExactly(dir.resolve(ID));
    }

    @Test
    void deleteRemovesTheFileAndSaysWhetherThereWasOne() throws IOException {
        LocalUploadStore store = new LocalUploadStore(dir);
        store.put(ID, BYTES);

        assertThat(store.delete(ID)).isTrue();
        assertThat(store.delete(ID)).isFalse();
        assertThat(store.get(ID)).isEmpty();
        assertThat(files()).isEmpty();
    }

    @Test
    void aTruncatedOrCorruptedFileIsReportedDamagedAndRemoved() throws IOException {
        LocalUploadStore store = new LocalUploadStore(dir);
        store.put(ID, BYTES);
        byte[] stored = Files.readAllBytes(dir.resolve(ID));
        byte[] flipped = stored.clone();
        flipped[flipped.length - 3] ^= 1;
        List<byte[]> damaged = List.of(Arrays.copyOf(stored, stored.length - 1), Arrays.copyOf(stored, 20), flipped, new byte[0], BYTES);

        for (byte[] damage : damaged) {
            Files.write(dir.resolve(ID), damage);
            assertThatThrownBy(() -> store.get(ID)).isInstanceOfSatisfying(OspreyException.class, e -> {
                assertThat(e.reason()).isEqualTo(Reason.NOT_FOUND);
                assertThat(e.getMessage()).contains(ID, "damaged", "upload the image again");
            });
            assertThat(dir.resolve(ID)).doesNotExist();
        }
    }

    @Test
    void anIdThatIsNoImageIdNeverReachesTheFileSystem() {
        LocalUploadStore store = new LocalUploadStore(dir);
        for (String bad : List.of("../" + ID.substring(3), ID.toUpperCase(), "", ID + "/x")) {
            assertThatThrownBy(() -> store.put(bad, BYTES)).isInstanceOfSatisfying(OspreyException.class,
                    e -> assertThat(e.reason()).isEqualTo(Reason.BAD_INPUT));
            assertThatThrownBy(() -> store.get(bad)).isInstanceOf(OspreyException.class);
            assertThatThrownBy(() -> store.delete(bad)).isInstanceOf(OspreyException.class);
        }
    }

    @Test
    void aDirectoryThatCannotBeWrittenIsAnUnavailableUploadStoreNamingNoPath() throws IOException {
        LocalUploadStore store = new LocalUploadStore(dir);
        // A directory where the file should be: writing and reading it fail with an I/O error.
        Files.createDirectory(dir.resolve(ID));
        Files.writeString(dir.resolve(ID).resolve("keep"), "so that it cannot be replaced");

        for (Runnable call : List.<Runnable>of(() -> store.put(ID, BYTES), () -> store.get(ID), () -> store.delete(ID))) {
            assertThatThrownBy(call::run).isInstanceOfSatisfying(OspreyException.class, e -> {
                assertThat(e.reason()).isEqualTo(Reason.UNAVAILABLE);
                assertThat(e.getMessage()).startsWith("upload store unavailable: could not").contains(ID).doesNotContain(dir.toString());
            });
        }
    }

    @Test
    void theSweepDeletesOnlyFilesWrittenBeforeTheCutoff() throws IOException {
        LocalUploadStore store = new LocalUploadStore(dir);
        store.put(ID, BYTES);
        store.put(OTHER, BYTES);
        Instant now = Instant.now();
        Files.setLastModifiedTime(dir.resolve(ID), FileTime.from(now.minus(Duration.ofDays(8))));
        Files.writeString(dir.resolve(".leftover.tmp"), "from a crash");
        Files.setLastModifiedTime(dir.resolve(".leftover.tmp"), FileTime.from(now.minus(Duration.ofDays(8))));

        assertThat(store.sweep(now.minus(Duration.ofDays(7)))).isEqualTo(2);
        assertThat(store.get(ID)).isEmpty();
        assertThat(store.get(OTHER)).isPresent();
    }

    private List<Path> files() throws IOException {
        try (Stream<Path> listed = Files.list(dir)) {
            return listed.toList();
        }
    }
}
