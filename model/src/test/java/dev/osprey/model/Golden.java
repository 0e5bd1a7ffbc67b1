package dev.osprey.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import dev.osprey.model.checkpoint.SafetensorsFile;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The reference outputs in {@code testdata/golden} (a copy of the team's golden set) and the
 * comparisons the golden README prescribes. A missing file fails the test; it never skips.
 */
public final class Golden {

    private Golden() {
    }

    /** The golden folder (system property {@code osprey.golden}, set by the build). */
    public static Path dir() {
        String configured = System.getProperty("osprey.golden");
        Path dir = configured != null ? Path.of(configured) : Path.of("../testdata/golden");
        assertThat(dir.resolve("README.md")).as("golden test data at %s", dir.toAbsolutePath()).exists();
        return dir;
    }

    /** A file under the golden folder, which must exist. */
    public static Path file(String relative) {
        Path file = dir().resolve(relative);
        if (!Files.exists(file)) {
            fail("missing golden file " + file);
        }
        return file;
    }

    /** The tiny checkpoint as one safetensors file. */
    public static Path safetensorsCheckpoint() {
        return file("checkpoint/osprey-tiny-safetensors");
    }

    /** The tiny checkpoint as sharded PyTorch .bin files (the real checkpoint's layout). */
    public static Path binCheckpoint() {
        return file("checkpoint/osprey-tiny-bin");
    }

    /** The reference tensors of one case, e.g. "s1_img0". */
    public static SafetensorsFile tensors(String caseName) {
        return SafetensorsFile.open(file("reference/" + caseName + "/tensors.safetensors"));
    }

    /** The four golden cases. */
    public static final String[] CASES = {"s1_img0", "s1_img1", "s1_img2", "s1_img3"};

    /**
     * Asserts {@code |actual - expected| <= atol + rtol * |expected|} elementwise; a failure names the
     * tensor, the worst index, both values and the max relative error.
     */
    public static void assertClose(String name, float[] actual, float[] expected, double atol, double rtol) {
        assertThat(actual.length).as("%s: element count", name).isEqualTo(expected.length);
        int worst = -1;
        double worstExcess = 0;
        double maxAbsDiff = 0;
        double maxRef = 0;
        for (int i = 0; i < expected.length; i++) {
            double diff = Math.abs((double) actual[i] - expected[i]);
            maxAbsDiff = Math.max(maxAbsDiff, diff);
            maxRef = Math.max(maxRef, Math.abs(expected[i]));
            double excess = diff - (atol + rtol * Math.abs(expected[i]));
            if (excess > worstExcess || Double.isNaN(diff)) {
                worstExcess = Double.isNaN(diff) ? Double.POSITIVE_INFINITY : excess;
                worst = i;
            }
        }
        if (worst >= 0) {
            fail(String.format("%s differs at index %d: expected %s, actual %s (atol %.1e, rtol %.1e; max |diff| %.3e, max |ref| %.3e)",
                    name, worst, expected[worst], actual[worst], atol, rtol, maxAbsDiff, maxRef));
        }
    }

    /** max |a - b| / max |b|: the acceptance metric of the issues. */
    public static double relativeMaxError(float[] actual, float[] expected) {
        double maxDiff = 0;
        double maxRef = 0;
        for (int i = 0; i < expected.length; i++) {
            maxDiff = Math.max(maxDiff, Math.abs((double) actual[i] - expected[i]));
            maxRef = Math.max(maxRef, Math.abs(expected[i]));
        }
        return maxDiff / maxRef;
    }
}
