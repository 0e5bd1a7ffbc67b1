package dev.osprey.model.fuzz;

import static org.assertj.core.api.Assertions.assertThat;

import dev.osprey.model.Golden;
import dev.osprey.model.error.Reason;
import dev.osprey.model.image.ImageDecoder;
import dev.osprey.model.mask.BinaryMask;
import dev.osprey.model.mask.CocoBox;
import dev.osprey.model.mask.CocoPolygons;
import dev.osprey.model.mask.CocoRle;
import dev.osprey.model.mask.MaskCodec;
import dev.osprey.model.mask.MaskFiles;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * Random bytes and mutations of valid mask files (the golden PNG, RLE and polygon masks and the
 * pycocotools conformance cases) through {@link MaskFiles#decode}, and random values straight into
 * the COCO codecs: each gives a mask within the pixel limit or a {@code BAD_INPUT} error, never
 * another exception, an error of the JVM or a hang. Seeds are fixed, so a failure names an
 * iteration that replays the same way.
 */
class MaskInputFuzzTest {

    private static final JsonMapper JSON = JsonMapper.builder().build();
    private static final JsonNode COCO = JSON.readTree(Golden.file("conformance/pycocotools/pycocotools.json").toFile());

    private final List<Seed> pngs = pngSeeds();

    @Test
    void randomBytesAreRefusedAsBadInput() {
        FuzzRun run = new FuzzRun("random mask bytes", 0x3A5C_0001L, Reason.BAD_INPUT);
        List<Seed> prefixes = List.of(new Seed("no prefix", new byte[0]), new Seed("PNG signature", Arrays.copyOf(pngs.getFirst().bytes(), 8)),
                json("JSON brace", "{"), json("JSON size and counts key", "{\"size\": [4, 4], \"counts\": "));
        for (int i = 0; i < 400; i++) {
            decode(run, i, Mutant.randomBytes(run.random(i), prefixes.get(i % prefixes.size()), 1024));
        }
        run.assertNoFailures();
    }

    /** Cut inside its pixel data, a PNG mask is refused; cut after (its last CRC or IEND missing) it may decode. */
    @Test
    void pngMasksTruncatedInsideTheirPixelDataAreRefused() {
        FuzzRun run = new FuzzRun("PNG mask truncations", 0, Reason.BAD_INPUT);
        run.truncations(pngs, seed -> PngChunks.of(seed.bytes(), seed.name()).truncationPoints(), bytes -> MaskFiles.decode(bytes, "fuzz"),
                (seed, at, mask) -> {
                    assertThat(at).as("cut at %d, decoded to %s", at, mask).isGreaterThanOrEqualTo(PngChunks.of(seed.bytes(), "").pixelDataEnd());
                    assertValid(mask);
                });
        run.assertNoFailures();
    }

    @Test
    void mutatedPngMasksGiveAMaskOrBadInput() {
        FuzzRun run = new FuzzRun("PNG mask mutations", 0x3A5C_0002L, Reason.BAD_INPUT);
        for (int i = 0; i < 1000; i++) {
            decode(run, i, Mutant.ofSeeds(run.random(i), pngs, (seed, random) -> PngChunks.of(seed.bytes(), seed.name()).mutate(random)));
        }
        run.assertNoFailures();
    }

    @Test
    void mutatedRleJsonGivesAMaskOrBadInput() {
        List<Seed> seeds = new ArrayList<>(Seed.golden("inputs/masks", ".rle.json"));
        for (JsonNode c : COCO.get("masks")) {
            String size = c.get("size").toString();
            seeds.add(json(c.get("file").asString() + " (string)", "{\"size\": " + size + ", \"counts\": " + c.get("counts") + "}"));
            seeds.add(json(c.get("file").asString() + " (list)", "{\"size\": " + size + ", \"counts\": " + c.get("uncompressed_counts") + "}"));
        }
        mutateJson(new FuzzRun("RLE JSON mutations", 0x3A5C_0003L, Reason.BAD_INPUT), seeds);
    }

    @Test
    void mutatedPolygonAndBoxJsonGivesAMaskOrBadInput() {
        List<Seed> seeds = new ArrayList<>(Seed.golden("inputs/masks", ".poly.json"));
        for (JsonNode c : COCO.get("polygons")) {
            seeds.add(json(c.get("mask_file").asString(), "{\"size\": " + c.get("size") + ", \"segmentation\": " + c.get("segmentation") + "}"));
        }
        for (JsonNode c : COCO.get("masks")) {
            seeds.add(json(c.get("file").asString() + " (bbox)", "{\"size\": " + c.get("size") + ", \"bbox\": " + c.get("bbox") + "}"));
        }
        mutateJson(new FuzzRun("polygon and box JSON mutations", 0x3A5C_0004L, Reason.BAD_INPUT), seeds);
    }

    @Test
    void randomRleStringsAndCountsGiveAMaskOrBadInput() {
        FuzzRun run = new FuzzRun("random RLE strings and counts", 0x3A5C_0005L, Reason.BAD_INPUT);
        forRandomSizes(run, (i, random, height, width) -> {
            if (random.nextBoolean()) {
                char[] text = new char[random.nextInt(random.nextBoolean() ? 8 : 200)];
                for (int c = 0; c < text.length; c++) {
                    // mostly COCO's alphabet '0'..'o', at times anything
                    text[c] = (char) (random.nextInt(10) == 0 ? random.nextInt(0x3000) : '0' + random.nextInt(64));
                }
                String counts = new String(text);
                run.check(i, height + "x" + width + " string '" + counts + "'",
                        () -> MaskCodec.decode(1, () -> CocoRle.decode(height, width, counts)), MaskInputFuzzTest::assertValid);
            } else {
                int[] counts = counts(random, (long) height * width);
                run.check(i, height + "x" + width + " counts " + abbreviate(Arrays.toString(counts)),
                        () -> CocoRle.fromCounts(height, width, counts), MaskInputFuzzTest::assertValid);
            }
        });
    }

    @Test
    void randomPolygonsAndBoxesGiveAMaskOrBadInput() {
        FuzzRun run = new FuzzRun("random polygons and boxes", 0x3A5C_0006L, Reason.BAD_INPUT);
        forRandomSizes(run, (i, random, height, width) -> {
            if (random.nextBoolean()) {
                List<double[]> polygons = new ArrayList<>();
                for (int p = random.nextInt(4); p >= 0; p--) {
                    double[] xy = new double[random.nextInt(5) == 0 ? random.nextInt(8) : 6 + 2 * random.nextInt(6)];
                    double boundary = random.nextInt(4) == 0 ? 1 : 0.2;
                    for (int j = 0; j < xy.length; j++) {
                        xy[j] = coordinate(random, boundary, j % 2 == 0 ? width : height, height, width);
                    }
                    polygons.add(xy);
                }
                String what = height + "x" + width + " polygons " + abbreviate(polygons.stream().map(Arrays::toString).toList().toString());
                run.check(i, what, () -> CocoPolygons.rasterize(polygons, height, width), MaskInputFuzzTest::assertValid);
            } else {
                double[] box = {coordinate(random, 0.2, width, height, width), coordinate(random, 0.2, height, height, width),
                    coordinate(random, 0.2, width, height, width), coordinate(random, 0.2, height, height, width)};
                run.check(i, height + "x" + width + " box " + Arrays.toString(box),
                        () -> CocoBox.rasterize(box[0], box[1], box[2], box[3], height, width), MaskInputFuzzTest::assertValid);
            }
        });
    }

    /** 400 iterations, each given a mask size (see {@link #size}); then the run's verdict. */
    private static void forRandomSizes(FuzzRun run, SizedIteration body) {
        for (int i = 0; i < 400; i++) {
            Random random = run.random(i);
            int[] size = size(random);
            body.run(i, random, size[0], size[1]);
        }
        run.assertNoFailures();
    }

    /** One iteration of a test that draws a mask size first. */
    private interface SizedIteration {
        void run(int iteration, Random random, int height, int width);
    }

    /** 600 mutations of JSON mask files: one in four a boundary "size", the others anywhere in the tree or text. */
    private static void mutateJson(FuzzRun run, List<Seed> seeds) {
        for (int i = 0; i < 600; i++) {
            Random random = run.random(i);
            Seed seed = seeds.get(random.nextInt(seeds.size()));
            decode(run, i, random.nextInt(4) == 0 ? resized(random, seed) : JsonMutations.mutate(random, seed.bytes(), seed.name()));
        }
        run.assertNoFailures();
    }

    private static void decode(FuzzRun run, int iteration, Mutant input) {
        run.check(iteration, input.description(), () -> MaskFiles.decode(input.bytes(), "fuzz"), MaskInputFuzzTest::assertValid);
    }

    private static void assertValid(BinaryMask mask) {
        assertThat((long) mask.height() * mask.width()).as("pixels").isBetween(1L, ImageDecoder.DEFAULT_MAX_PIXELS);
    }

    /** The seed with another "size", mostly a boundary one, and at times counts that add up to it. */
    private static Mutant resized(Random random, Seed seed) {
        JsonNode root = JSON.readTree(seed.bytes());
        long[][] sizes = {{1_000_000_000, 1_000_000_000}, {46341, 46341}, {Integer.MAX_VALUE, 1}, {1, Integer.MAX_VALUE},
            {65536, 65536}, {7072, 7072}, {7071, 7071}, {1, 1}, {0, 1}, {1, 0}, {3, 100_000}, {random.nextInt(3000), random.nextInt(3000)}};
        long[] size = sizes[random.nextInt(sizes.length)];
        String what = seed.name() + ": size := [" + size[0] + ", " + size[1] + "]";
        ObjectNode object = (ObjectNode) root;
        object.putArray("size").add(size[0]).add(size[1]);
        if (root.has("counts") && random.nextBoolean()) {
            ArrayNode runs = object.putArray("counts");
            for (int c : counts(random, size[0] * size[1])) {
                runs.add(c);
            }
            what += " and counts that sum to it";
        }
        return new Mutant(JSON.writeValueAsBytes(root), what);
    }

    /** Run lengths for {@code total} pixels: mostly summing to it in a few runs, at times off by one or negative. */
    private static int[] counts(Random random, long total) {
        List<Integer> runs = new ArrayList<>();
        long left = total;
        while (left > 0 && runs.size() < 64) {
            long run = Math.min(left, random.nextBoolean() ? Integer.MAX_VALUE : 1 + random.nextInt(1000));
            runs.add((int) run);
            left -= run;
        }
        switch (random.nextInt(8)) {
            case 0 -> runs.add(1);
            case 1 -> runs.add(random.nextInt(runs.size() + 1), -random.nextInt(1000) - 1);
            case 2 -> runs.add(random.nextInt(runs.size() + 1), 0);
            default -> {
                // the counts as they are
            }
        }
        return runs.stream().mapToInt(Integer::intValue).toArray();
    }

    /** {height, width}: mostly a small image, at times a boundary of the pixel limit, of int or of sign. */
    private static int[] size(Random random) {
        int[][] sizes = {{0, 5}, {5, 0}, {-1, 5}, {1, 1}, {7071, 7071}, {7072, 7072}, {46341, 46341}, {65536, 65536},
            {1, 50_000_000}, {50_000_000, 1}, {2, 25_000_000}, {1, Integer.MAX_VALUE}, {Integer.MAX_VALUE, 1}, {1_000_000, 50}};
        return random.nextInt(3) == 0 ? sizes[random.nextInt(sizes.length)] : new int[] {1 + random.nextInt(800), 1 + random.nextInt(800)};
    }

    /**
     * A coordinate along an axis of {@code extent} pixels: mostly near the image; one time in 20
     * invalid (not finite, or beyond the ten image sizes CocoPolygons accepts); with probability
     * {@code boundary} a value at an edge: zero, half a pixel, the extent, or just inside the
     * accepted range (of the larger axis).
     */
    private static double coordinate(Random random, double boundary, int extent, int height, int width) {
        double far = 9.99 * Math.max(height, width);
        double[] invalid = {Double.NaN, Double.POSITIVE_INFINITY, -1e300, 1e300, 10.01 * Math.max(height, width)};
        double[] edges = {0, -0.5, 0.4999, -1, extent, extent - 0.5, far, -far};
        double p = random.nextDouble();
        return p < 0.05 ? invalid[random.nextInt(invalid.length)]
                : p < 0.05 + boundary ? edges[random.nextInt(edges.length)]
                : (random.nextDouble() * 1.4 - 0.2) * Math.max(extent, 1);
    }

    private static Seed json(String name, String json) {
        return new Seed(name, json.getBytes(StandardCharsets.UTF_8));
    }

    private static String abbreviate(String text) {
        return text.length() > 200 ? text.substring(0, 200) + "..." : text;
    }

    /** The golden masks, then pycocotools' conformance masks and polygon masks: PNGs of every mask shape. */
    private static List<Seed> pngSeeds() {
        List<Seed> seeds = new ArrayList<>(Seed.golden("inputs/masks", ".png"));
        seeds.addAll(Seed.golden("conformance/pycocotools/masks", ".png"));
        seeds.addAll(Seed.golden("conformance/pycocotools/polygon_masks", ".png"));
        return seeds;
    }
}
