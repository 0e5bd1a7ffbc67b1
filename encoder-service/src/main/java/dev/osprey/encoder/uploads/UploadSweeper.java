package dev.osprey.encoder.uploads;

import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Expires a {@link LocalUploadStore}'s uploads: every {@code maxAge / 10} (at most hourly, from
 * startup on) it deletes those last uploaded more than {@code maxAge} ago. An upload of the same image
 * again starts its age afresh. A zero {@code maxAge} keeps every upload. (The S3 store leaves expiry
 * to the bucket's lifecycle rule.)
 */
public final class UploadSweeper implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(UploadSweeper.class);
    private static final Duration MAX_PERIOD = Duration.ofHours(1);

    private final ScheduledExecutorService timer;

    /** Starts sweeping {@code store} on a daemon thread, unless {@code maxAge} is zero. */
    public UploadSweeper(LocalUploadStore store, Duration maxAge, Clock clock) {
        if (maxAge.isNegative()) {
            throw new IllegalArgumentException("a maximum age must be >= 0, got " + maxAge);
        }
        this.timer = Executors.newSingleThreadScheduledExecutor(Thread.ofPlatform().daemon().name("upload-sweeper").factory());
        if (maxAge.isZero()) {
            log.info("upload store: uploads are kept until deleted (osprey.encoder.uploads.max-age=0)");
            return;
        }
        long period = Math.max(1, Math.min(maxAge.dividedBy(10).toMillis(), MAX_PERIOD.toMillis()));
        timer.scheduleWithFixedDelay(() -> {
            int deleted = store.sweep(clock.instant().minus(maxAge));
            if (deleted > 0) {
                log.info("upload store: deleted {} uploads older than {}", deleted, maxAge);
            }
        }, 0, period, TimeUnit.MILLISECONDS);
    }

    @Override
    public void close() {
        timer.shutdownNow();
    }
}
