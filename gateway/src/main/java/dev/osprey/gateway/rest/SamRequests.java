package dev.osprey.gateway.rest;

import dev.osprey.api.v1.AutomaticParameters;
import dev.osprey.api.v1.DescribeAllRequest;
import dev.osprey.api.v1.Point;
import dev.osprey.api.v1.PointLabel;
import dev.osprey.api.v1.SamPrompt;
import dev.osprey.api.v1.SegmentRequest;
import dev.osprey.model.error.OspreyException;
import java.util.List;

/** The Segment Anything JSON ({@code /v1/segment}, {@code /v1/describe-all}, prompt regions) → the public messages; errors name the field. */
final class SamRequests {

    private SamRequests() {
    }

    static SegmentRequest toSegment(SegmentBody body) {
        return SegmentRequest.newBuilder().setImage(ChatRequests.image(body.imageId())).setPrompt(prompt("", body.points(), body.box()))
                .setMultimask(Boolean.TRUE.equals(body.multimask())).build();
    }

    static DescribeAllRequest toDescribeAll(DescribeAllBody body) {
        DescribeAllRequest.Builder request = DescribeAllRequest.newBuilder().setImage(ChatRequests.image(body.imageId()))
                .setSampling(ChatRequests.sampling(body.temperature(), body.topK(), body.topP(), body.seed()));
        if (body.params() != null) {
            request.setParams(params(body.params()));
        }
        if (body.maxMasks() != null) {
            if (body.maxMasks() < 1) {
                throw OspreyException.badInput("max_masks must be at least 1, got " + body.maxMasks());
            }
            request.setMaxMasks(body.maxMasks());
        }
        ChatRequests.requireMaxNewTokens(body.maxNewTokens());
        if (body.maxNewTokens() != null) {
            request.setMaxNewTokens(body.maxNewTokens());
        }
        return request.build();
    }

    /**
     * A prompt of points [[x, y, label], ...] and a box [x, y, width, height] (either may be null)
     * given in {@code field} (empty: the body's own fields). What needs more than the JSON to judge
     * (the limits, a foreground point) is checked with the request.
     */
    static SamPrompt prompt(String field, List<List<Double>> points, List<Double> box) {
        String prefix = field.isEmpty() ? "" : field + ".";
        SamPrompt.Builder prompt = SamPrompt.newBuilder();
        List<List<Double>> given = points == null ? List.of() : points;
        for (int i = 0; i < given.size(); i++) {
            List<Double> point = given.get(i);
            String at = prefix + "points[" + i + "]";
            if (point == null || point.size() != 3 || point.contains(null)) {
                throw OspreyException.badInput(at + ": expected [x, y, label] with label 1 (on the object) or 0 (off it), got " + point);
            }
            PointLabel label = point.get(2) == 1 ? PointLabel.POINT_LABEL_FOREGROUND : point.get(2) == 0 ? PointLabel.POINT_LABEL_BACKGROUND : null;
            if (label == null) {
                throw OspreyException.badInput(at + ": the label must be 1 (on the object) or 0 (off it), got " + point.get(2));
            }
            prompt.addPoints(Point.newBuilder().setX(point.get(0)).setY(point.get(1)).setLabel(label));
        }
        if (box != null) {
            prompt.setBox(ChatRequests.box(prefix + "box", box));
        }
        return prompt.build();
    }

    private static AutomaticParameters params(DescribeAllBody.ParamsBody params) {
        AutomaticParameters.Builder result = AutomaticParameters.newBuilder();
        if (params.pointsPerSide() != null) {
            result.setPointsPerSide(params.pointsPerSide());
        }
        if (params.pointsPerBatch() != null) {
            result.setPointsPerBatch(params.pointsPerBatch());
        }
        if (params.predIouThresh() != null) {
            result.setPredIouThresh(params.predIouThresh());
        }
        if (params.stabilityScoreThresh() != null) {
            result.setStabilityScoreThresh(params.stabilityScoreThresh());
        }
        if (params.stabilityScoreOffset() != null) {
            result.setStabilityScoreOffset(params.stabilityScoreOffset());
        }
        if (params.boxNmsThresh() != null) {
            result.setBoxNmsThresh(params.boxNmsThresh());
        }
        if (params.cropNLayers() != null) {
            result.setCropNLayers(params.cropNLayers());
        }
        if (params.cropNmsThresh() != null) {
            result.setCropNmsThresh(params.cropNmsThresh());
        }
        if (params.cropOverlapRatio() != null) {
            result.setCropOverlapRatio(params.cropOverlapRatio());
        }
        if (params.cropNPointsDownscaleFactor() != null) {
            result.setCropNPointsDownscaleFactor(params.cropNPointsDownscaleFactor());
        }
        if (params.minMaskRegionArea() != null) {
            result.setMinMaskRegionArea(params.minMaskRegionArea());
        }
        return result.build();
    }
}
