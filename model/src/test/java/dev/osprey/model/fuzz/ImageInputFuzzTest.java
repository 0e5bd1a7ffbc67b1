package dev.osprey.model.fuzz;

import static org.assertj.core.api.Assertions.assertThat;

import dev.osprey.model.error.Reason;
import dev.osprey.model.image.ImageDecoder;
import dev.osprey.model.image.RgbImage;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Random bytes and mutations of valid PNG and JPEG files (the decoder's fixtures, every PNG mode and
 * JPEG kind, and the golden input photos) through {@link ImageDecoder}: each gives an image within
 * the pixel limit or a {@code BAD_INPUT} error, never another exception, an error of the JVM or a
 * hang, and a truncated file never decodes (but for a JPEG lacking only its EOI, as in Pillow).
 * Seeds are fixed, so a failure names an iteration that replays the same way.
 */
class ImageInputFuzzTest {

    /**
     * Far below the default so that headers mutated to claim a large image stay cheap to decode;
     * the check against the limit is the same code either way.
     */
    private static final long MAX_PIXELS = 1 << 20;

    private final ImageDecoder decoder = new ImageDecoder(MAX_PIXELS);
    private final List<Seed> pngs = pngSeeds();
    private final List<Seed> jpegs = Seed.resources("image", ".jpg");

    @Test
    void randomBytesAreRefusedAsBadInput() {
        FuzzRun run = new FuzzRun("random image bytes", 0x1A6E_0001L, Reason.BAD_INPUT);
        List<Seed> prefixes = List.of(new Seed("no prefix", new byte[0]),
                new Seed("PNG signature", Arrays.copyOf(pngs.getFirst().bytes(), 8)),
                new Seed("JPEG SOI", new byte[] {(byte) 0xFF, (byte) 0xD8, (byte) 0xFF}),
                new Seed("PNG signature and IHDR", PngChunks.of(pngs.getFirst().bytes(), "").pngHeader()));
        for (int i = 0; i < 400; i++) {
            decode(run, i, Mutant.randomBytes(run.random(i), prefixes.get(i % prefixes.size()), 2048));
        }
        run.assertNoFailures();
    }

    @Test
    void pngsTruncatedAtEveryChunkBoundaryAreRefused() {
        FuzzRun run = new FuzzRun("PNG truncations", 0, Reason.BAD_INPUT);
        run.truncations(pngs, seed -> PngChunks.of(seed.bytes(), seed.name()).truncationPoints(), decoder::decode, (seed, at, image) -> {
            throw new AssertionError("a truncated PNG decoded to " + image.width() + "x" + image.height());
        });
        run.assertNoFailures();
    }

    @Test
    void mutatedPngsGiveAnImageOrBadInput() {
        FuzzRun run = new FuzzRun("PNG mutations", 0x1A6E_0002L, Reason.BAD_INPUT);
        for (int i = 0; i < 1500; i++) {
            decode(run, i, Mutant.ofSeeds(run.random(i), pngs, (seed, random) -> PngChunks.of(seed.bytes(), seed.name()).mutate(random)));
        }
        run.assertNoFailures();
    }

    /** Cut anywhere, a JPEG is refused, except a single-scan one that lacks only (part of) its EOI, as in Pillow. */
    @Test
    void jpegsTruncatedAtEverySegmentBoundaryAreRefused() {
        FuzzRun run = new FuzzRun("JPEG truncations", 0, Reason.BAD_INPUT);
        run.truncations(jpegs, seed -> JpegSegments.of(seed.bytes(), seed.name()).truncationPoints(), decoder::decode, (seed, at, image) -> {
            List<JpegSegments.Segment> segments = JpegSegments.of(seed.bytes(), seed.name()).segments();
            long scans = segments.stream().filter(s -> s.marker() == 0xDA).count();
            int eoi = segments.getLast().offset();
            assertThat(scans == 1 && at >= eoi).as("a cut at %d (EOI at %d, %d scans) decoded", at, eoi, scans).isTrue();
            assertValid(image);
        });
        run.assertNoFailures();
    }

    @Test
    void mutatedJpegsGiveAnImageOrBadInput() {
        FuzzRun run = new FuzzRun("JPEG mutations", 0x1A6E_0003L, Reason.BAD_INPUT);
        for (int i = 0; i < 1500; i++) {
            decode(run, i, Mutant.ofSeeds(run.random(i), jpegs, (seed, random) -> JpegSegments.of(seed.bytes(), seed.name()).mutate(random)));
        }
        run.assertNoFailures();
    }

    private void decode(FuzzRun run, int iteration, Mutant input) {
        run.check(iteration, input.description(), () -> decoder.decode(input.bytes()), ImageInputFuzzTest::assertValid);
    }

    private static void assertValid(RgbImage image) {
        assertThat((long) image.width() * image.height()).as("pixels").isBetween(1L, MAX_PIXELS);
    }

    /** The decoder's small fixtures first (cheap to decode, every PNG mode), then the golden photos. */
    private static List<Seed> pngSeeds() {
        List<Seed> seeds = new ArrayList<>(Seed.resources("image", ".png"));
        seeds.addAll(Seed.golden("inputs/images", ".png"));
        return seeds;
    }
}
