package dev.osprey.gateway.rest;

import com.fasterxml.jackson.annotation.JsonProperty;
import dev.osprey.api.v1.Box;
import dev.osprey.api.v1.CocoRle;
import dev.osprey.api.v1.DescribedMask;
import dev.osprey.api.v1.Finished;
import dev.osprey.api.v1.SegmentResponse;
import dev.osprey.api.v1.SegmentedMask;
import io.swagger.v3.oas.annotations.media.Schema;
import java.util.List;

/** The JSON of the Segment Anything routes: masks as COCO RLE a region can take as it is ({@code {"rle": mask}}). */
final class SamResponses {

    private SamResponses() {
    }

    @Schema(description = "COCO RLE at the image's size, counts in the compressed string form")
    record RleJson(List<Integer> size, String counts) {
    }

    @Schema(description = "A mask SAM made: its RLE, predicted IoU (score), pixel count and bbox [x, y, width, height]")
    record MaskJson(RleJson mask, double score, long area, List<Integer> bbox) {
    }

    @Schema(description = "The masks of a prompt; best indexes the best-scored one")
    record SegmentJson(List<MaskJson> masks, int best) {
    }

    @Schema(description = "One mask of describe-all and its short description (SSE event 'mask'); index is its place in the generator's"
            + " order, count the masks described, found the masks the generator found (more than count when capped)")
    record DescribedJson(int index, int count, int found, RleJson mask, double score, long area, List<Integer> bbox,
            @JsonProperty("stability_score") double stabilityScore, List<Double> point, @JsonProperty("crop_box") List<Integer> cropBox,
            String text, @JsonProperty("output_ids") List<Integer> outputIds,
            @Schema(allowableValues = {"stop", "length", "stop_string", "cancelled"}) @JsonProperty("finish_reason") String finishReason,
            ChatResponses.UsageJson usage) {
    }

    @Schema(description = "Every mask described, in the generator's order")
    record DescribeAllJson(List<DescribedJson> masks, int found) {
    }

    static SegmentJson segment(SegmentResponse response) {
        return new SegmentJson(response.getMasksList().stream().map(SamResponses::mask).toList(), response.getBest());
    }

    static DescribedJson described(DescribedMask described) {
        SegmentedMask mask = described.getMask();
        Finished answer = described.getAnswer();
        return new DescribedJson(described.getIndex(), described.getCount(), described.getFound(), rle(mask.getRle()), mask.getScore(),
                mask.getArea(), box(mask.getBbox()), described.getStabilityScore(), List.of(described.getPoint().getX(), described.getPoint().getY()),
                box(described.getCropBox()), answer.getText(), answer.getOutputIdsList(), ChatResponses.reason(answer.getReason()),
                ChatResponses.usage(answer.getUsage()));
    }

    private static MaskJson mask(SegmentedMask mask) {
        return new MaskJson(rle(mask.getRle()), mask.getScore(), mask.getArea(), box(mask.getBbox()));
    }

    private static RleJson rle(CocoRle rle) {
        return new RleJson(List.of(rle.getHeight(), rle.getWidth()), rle.getCompressed());
    }

    // Boxes of masks are whole pixels.
    private static List<Integer> box(Box box) {
        return List.of((int) box.getX(), (int) box.getY(), (int) box.getWidth(), (int) box.getHeight());
    }
}
