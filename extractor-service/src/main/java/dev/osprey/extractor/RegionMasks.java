package dev.osprey.extractor;

import dev.osprey.api.v1.CocoRle;
import dev.osprey.api.v1.Polygon;
import dev.osprey.api.v1.Region;
import dev.osprey.model.error.OspreyException;
import dev.osprey.model.mask.BinaryMask;
import dev.osprey.model.mask.CocoBox;
import dev.osprey.model.mask.CocoPolygons;
import dev.osprey.model.mask.MaskCodec;
import dev.osprey.model.mask.PngMasks;
import java.util.ArrayList;
import java.util.List;

/**
 * The {@code osprey.v1.Region} messages of a request → binary masks at the image's size. Every error
 * names the region as the prompt does ({@code region 2: ...}). PNG and RLE masks carry their own
 * size, which must be the image's; polygons and boxes are rasterised at the image's size.
 */
final class RegionMasks {

    private RegionMasks() {
    }

    /**
     * Decodes {@code regions} for an image of {@code width x height}.
     *
     * @param allowEmpty whether a mask with no pixel inside is accepted
     */
    static List<BinaryMask> decode(List<Region> regions, int height, int width, boolean allowEmpty) {
        List<BinaryMask> masks = new ArrayList<>(regions.size());
        for (int q = 0; q < regions.size(); q++) {
            int number = q + 1;
            Region region = regions.get(q);
            BinaryMask mask = MaskCodec.decode(number, () -> decode(region, height, width));
            MaskCodec.requireSize(number, mask, height, width);
            if (!allowEmpty) {
                MaskCodec.requireNotEmpty(number, mask);
            }
            masks.add(mask);
        }
        return masks;
    }

    private static BinaryMask decode(Region region, int height, int width) {
        return switch (region.getMaskCase()) {
            case PNG -> PngMasks.decode(region.getPng().toByteArray());
            case RLE -> rle(region.getRle());
            case POLYGONS -> CocoPolygons.rasterize(region.getPolygons().getPolygonsList().stream()
                    .map(RegionMasks::coordinates).toList(), height, width);
            case BOX -> CocoBox.rasterize(region.getBox().getX(), region.getBox().getY(), region.getBox().getWidth(),
                    region.getBox().getHeight(), height, width);
            // The gateway has SAM make a prompt's mask before it asks for extraction; a prompt here skipped it.
            case SEGMENT -> throw OspreyException.badInput("a Segment Anything prompt is not a mask: the gateway segments prompts first");
            case MASK_NOT_SET -> throw OspreyException.badInput("no mask given (set one of png, rle, polygons, box)");
        };
    }

    private static BinaryMask rle(CocoRle rle) {
        BinaryMask.requireValidSize(rle.getHeight(), rle.getWidth());
        return switch (rle.getCountsCase()) {
            case COMPRESSED -> dev.osprey.model.mask.CocoRle.decode(rle.getHeight(), rle.getWidth(), rle.getCompressed());
            case UNCOMPRESSED -> dev.osprey.model.mask.CocoRle.fromCounts(rle.getHeight(), rle.getWidth(), counts(rle));
            case COUNTS_NOT_SET -> throw OspreyException.badInput("rle has no counts (set compressed or uncompressed)");
        };
    }

    private static int[] counts(CocoRle rle) {
        List<Integer> runs = rle.getUncompressed().getCountsList();
        int[] counts = new int[runs.size()];
        for (int i = 0; i < counts.length; i++) {
            // uint32 on the wire: Java sees values above 2^31 - 1 as negative.
            if (runs.get(i) < 0) {
                throw OspreyException.badInput("rle run " + i + " is " + Integer.toUnsignedString(runs.get(i))
                        + ", longer than any mask");
            }
            counts[i] = runs.get(i);
        }
        return counts;
    }

    private static double[] coordinates(Polygon polygon) {
        return polygon.getCoordinatesList().stream().mapToDouble(Double::doubleValue).toArray();
    }
}
