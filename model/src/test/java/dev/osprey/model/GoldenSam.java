package dev.osprey.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The Segment Anything reference outputs in {@code testdata/golden-sam} (a copy of the team's SAM
 * golden set; its README gives the layout and tolerances). A missing file fails the test; it never skips.
 */
public final class GoldenSam {

    private GoldenSam() {
    }

    /** The SAM golden folder (system property {@code osprey.golden.sam}, set by the build). */
    public static Path dir() {
        String configured = System.getProperty("osprey.golden.sam");
        Path dir = configured != null ? Path.of(configured) : Path.of("../testdata/golden-sam");
        assertThat(dir.resolve("README.md")).as("SAM golden test data at %s", dir.toAbsolutePath()).exists();
        return dir;
    }

    /** A file under the SAM golden folder, which must exist. */
    public static Path file(String relative) {
        Path file = dir().resolve(relative);
        if (!Files.exists(file)) {
            fail("missing SAM golden file " + file);
        }
        return file;
    }

    /** The tiny SAM checkpoint as the official bare state dict ({@code torch.save(sam.state_dict())}). */
    public static Path pthCheckpoint() {
        return file("checkpoint/sam_tiny.pth");
    }

    /** The sizes of the tiny checkpoint that its shapes do not tell. */
    public static Path config() {
        return file("checkpoint/sam_config.json");
    }

    /** The four golden images. */
    public static final String[] IMAGES = {"s1_img0", "s1_img1", "s1_img2", "s1_img3"};
}
