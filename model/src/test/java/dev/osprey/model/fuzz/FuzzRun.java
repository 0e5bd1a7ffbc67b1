package dev.osprey.model.fuzz;

import static org.assertj.core.api.Assertions.fail;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import dev.osprey.model.error.OspreyException;
import dev.osprey.model.error.Reason;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.SplittableRandom;
import java.util.function.Consumer;
import java.util.function.Function;
import org.junit.jupiter.api.function.ThrowingSupplier;

/**
 * One fuzz test's loop: a fixed seed, one {@link Random} per iteration derived from it (so any
 * iteration can be replayed alone), and the rule every iteration is held to: the call returns a
 * result that passes its validation, or throws {@link OspreyException} with the expected reason and
 * a non-blank message, within {@link #TIMEOUT} (or the run's own timeout). Anything else (another exception, an
 * {@link Error} such as {@code OutOfMemoryError}, a timeout) is recorded with the seed, the
 * iteration and what was done to the input; {@link #assertNoFailures} reports them all at the end.
 */
final class FuzzRun {

    /** Far above any legitimate call on these small inputs; only a hang gets near it. */
    static final Duration TIMEOUT = Duration.ofSeconds(2);
    private static final int REPORTED = 15;

    private final String name;
    private final long seed;
    private final Reason reason;
    private final Duration timeout;
    private final List<String> failures = new ArrayList<>();
    private Throwable firstFailure;
    private int iterations;
    private int results;

    /** A run named {@code name} (for messages) whose inputs must fail, if at all, with {@code reason}. */
    FuzzRun(String name, long seed, Reason reason) {
        this(name, seed, reason, TIMEOUT);
    }

    /** A run whose calls may each take up to {@code timeout}, for inputs heavier than {@link #TIMEOUT} allows. */
    FuzzRun(String name, long seed, Reason reason, Duration timeout) {
        this.name = name;
        this.seed = seed;
        this.reason = reason;
        this.timeout = timeout;
    }

    /**
     * The random source of iteration {@code iteration}: the same on every run. The seed is mixed
     * first: {@link Random}s seeded with consecutive numbers give the same first {@code nextInt(8)}.
     */
    Random random(int iteration) {
        return new Random(new SplittableRandom(seed * 0x9E3779B97F4A7C15L + iteration).nextLong());
    }

    /**
     * Runs {@code call} on one fuzzed input described by {@code input} (seed file and mutation) and
     * checks the outcome; a result is handed to {@code validate}, which throws if it is not valid.
     */
    <T> void check(int iteration, String input, ThrowingSupplier<T> call, Consumer<? super T> validate) {
        iterations++;
        try {
            T result = assertTimeoutPreemptively(timeout, call);
            validate.accept(result);
            results++;
        } catch (OspreyException e) {
            if (e.reason() != reason || e.getMessage() == null || e.getMessage().isBlank()) {
                record(iteration, input, "OspreyException with reason " + e.reason() + " and message '" + e.getMessage()
                        + "', expected reason " + reason + " and a message", e);
            }
        } catch (Throwable e) {
            // Deliberately everything, errors included: an OutOfMemoryError or a timeout is a finding.
            record(iteration, input, e.toString() + at(e), e);
        }
    }

    /**
     * Runs {@code decode} on every seed cut at each offset {@code cuts} gives for it, an iteration
     * each; {@code validate} gets the seed, the offset and any result, and throws unless a file cut
     * there may decode to it.
     */
    <T> void truncations(List<Seed> seeds, Function<Seed, List<Integer>> cuts, Function<byte[], T> decode, CutCheck<T> validate) {
        int iteration = 0;
        for (Seed seed : seeds) {
            for (int at : cuts.apply(seed)) {
                byte[] cut = Arrays.copyOf(seed.bytes(), at);
                check(iteration++, seed.name() + ": truncated to " + at + " bytes", () -> decode.apply(cut), result -> validate.check(seed, at, result));
            }
        }
    }

    /** What a decoded truncated file must satisfy. */
    interface CutCheck<T> {

        /** Throws unless {@code seed} cut to {@code at} bytes may decode to {@code result}. */
        void check(Seed seed, int at, T result);
    }

    /** Fails the test listing the failed iterations (the first ones), with the first failure as cause. */
    void assertNoFailures() {
        if (!failures.isEmpty()) {
            StringBuilder message = new StringBuilder().append(failures.size()).append(" of ").append(iterations)
                    .append(" iterations of ").append(name).append(" (seed 0x").append(Long.toHexString(seed)).append(") failed:");
            failures.stream().limit(REPORTED).forEach(f -> message.append("\n  ").append(f));
            fail(message.toString(), firstFailure);
        }
        // The share of valid results shows whether the mutations still reach past the first checks.
        System.out.printf("%s: %d iterations, %d valid results, the others %s, seed 0x%x%n", name, iterations, results, reason, seed);
    }

    private void record(int iteration, String input, String what, Throwable cause) {
        failures.add("iteration " + iteration + " [" + input + "]: " + what);
        if (firstFailure == null) {
            firstFailure = cause;
        }
    }

    /** Where a non-Osprey exception came from: its first frame in our code, else its first frame. */
    private static String at(Throwable e) {
        StackTraceElement[] trace = e.getStackTrace();
        for (StackTraceElement frame : trace) {
            if (frame.getClassName().startsWith("dev.osprey.model") && !frame.getClassName().startsWith("dev.osprey.model.fuzz")) {
                return " at " + frame;
            }
        }
        return trace.length > 0 ? " at " + trace[0] : "";
    }
}
