package dev.osprey.encoder.uploads;

import dev.osprey.model.pipeline.ImageId;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.util.Arrays;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Uploads as files in one directory, one per image, named by the image id. A file is a magic number,
 * the checksum of the bytes and the bytes; it is written to a temporary file in the same directory,
 * flushed to disk and moved over the old one, so readers (other encoders sharing the directory among
 * them) never see half a file. Nothing expires by itself: {@link #sweep} deletes files older than a
 * cutoff (the encoder runs it on a schedule, {@code osprey.encoder.uploads.max-age}).
 */
public final class LocalUploadStore implements UploadStore {

    private static final Logger log = LoggerFactory.getLogger(LocalUploadStore.class);
    private static final byte[] MAGIC = "OSPRUPL1".getBytes(StandardCharsets.US_ASCII);
    private static final int HEADER = MAGIC.length + Checksum.BYTES;
    private static final String TEMPORARY = ".tmp";

    private final Path dir;

    /** The store in {@code dir}, created if missing. */
    public LocalUploadStore(Path dir) {
        this.dir = dir.toAbsolutePath().normalize();
        try {
            Files.createDirectories(this.dir);
        } catch (IOException e) {
            throw new UncheckedIOException("the upload directory " + this.dir + " cannot be created (osprey.encoder.uploads.dir)", e);
        }
        if (!Files.isWritable(this.dir)) {
            throw new IllegalStateException("the upload directory " + this.dir + " is not writable (osprey.encoder.uploads.dir)");
        }
    }

    @Override
    public void put(String imageId, byte[] imageBytes) {
        Path target = file(imageId);
        Path temporary = null;
        try {
            temporary = Files.createTempFile(dir, "." + imageId + ".", TEMPORARY);
            try (FileChannel out = FileChannel.open(temporary, StandardOpenOption.WRITE)) {
                ByteBuffer header = ByteBuffer.allocate(HEADER).put(MAGIC).put(Checksum.of(imageBytes)).flip();
                ByteBuffer[] parts = {header, ByteBuffer.wrap(imageBytes)};
                while (parts[1].hasRemaining()) {
                    out.write(parts);
                }
                out.force(true);
            }
            Files.move(temporary, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException e) {
            deleteQuietly(temporary);
            throw failure("store", imageId, e);
        }
    }

    @Override
    public Optional<byte[]> get(String imageId) {
        Path file = file(imageId);
        byte[] stored;
        try {
            stored = Files.readAllBytes(file);
        } catch (NoSuchFileException e) {
            return Optional.empty();
        } catch (IOException e) {
            throw failure("read", imageId, e);
        }
        if (stored.length < HEADER || !Arrays.equals(stored, 0, MAGIC.length, MAGIC, 0, MAGIC.length)
                || !Arrays.equals(stored, MAGIC.length, HEADER, Checksum.of(stored, HEADER, stored.length - HEADER), 0, Checksum.BYTES)) {
            log.warn("upload store: {} ({} bytes) fails its checksum (truncated or overwritten); deleting it", file, stored.length);
            delete(imageId);
            throw StoreFailures.damaged(imageId);
        }
        return Optional.of(Arrays.copyOfRange(stored, HEADER, stored.length));
    }

    @Override
    public boolean delete(String imageId) {
        try {
            return Files.deleteIfExists(file(imageId));
        } catch (IOException e) {
            throw failure("delete", imageId, e);
        }
    }

    /**
     * Deletes the uploads (and leftover temporary files) last written before {@code cutoff}.
     *
     * @return how many files were deleted
     */
    public int sweep(Instant cutoff) {
        int deleted = 0;
        try (DirectoryStream<Path> files = Files.newDirectoryStream(dir)) {
            for (Path file : files) {
                try {
                    if (Files.isRegularFile(file) && Files.getLastModifiedTime(file).toInstant().isBefore(cutoff)) {
                        deleted += Files.deleteIfExists(file) ? 1 : 0;
                    }
                } catch (IOException e) {
                    log.warn("upload store: could not sweep {}", file, e);
                }
            }
        } catch (IOException e) {
            log.warn("upload store: could not list {} to sweep it", dir, e);
        }
        return deleted;
    }

    @Override
    public String describe() {
        return "directory " + dir;
    }

    private Path file(String imageId) {
        return dir.resolve(ImageId.require(imageId));
    }

    private RuntimeException failure(String action, String imageId, IOException e) {
        log.warn("upload store: could not {} image {} in {}", action, imageId, dir, e);
        return StoreFailures.unavailable(action, imageId, "I/O error on the encoder's disk", e);
    }

    private static void deleteQuietly(Path file) {
        if (file != null) {
            try {
                Files.deleteIfExists(file);
            } catch (IOException e) {
                log.debug("upload store: could not delete the temporary file {}", file, e);
            }
        }
    }
}
