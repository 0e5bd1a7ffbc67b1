package dev.osprey.gateway.flow;

import dev.osprey.api.v1.Box;
import dev.osprey.api.v1.Point;
import dev.osprey.api.v1.PointLabel;
import dev.osprey.api.v1.SamPrompt;
import dev.osprey.internal.v1.PromptBox;
import dev.osprey.internal.v1.PromptPoint;
import dev.osprey.internal.v1.SegmentRequest;
import dev.osprey.model.error.OspreyException;

/**
 * Segment Anything prompts of the public API: what the gateway checks before any backend works (the
 * encoder checks the rest, such as a point outside the image, whose size only it knows), the
 * Segmenter call they become, and which of SAM's masks a prompt stands for.
 *
 * <p>One mask per prompt, chosen as the official ONNX export chooses it ({@code SamOnnxModel} with
 * {@code return_single_mask}, the ONNX notebook): a single point or a lone box is ambiguous (a part or
 * the whole?), so SAM's three candidate masks are made and the best-scored one is taken; with more
 * inputs (two or more points, or a box and points) SAM's single-output mask is taken.
 */
final class SamPrompts {

    /** SAM's labels: 1 on the object, 0 off it. */
    private static final int FOREGROUND = 1;
    private static final int BACKGROUND = 0;

    private SamPrompts() {
    }

    /**
     * Throws BAD_INPUT when {@code prompt} cannot be a SAM prompt, naming the field as the JSON body
     * has it: {@code field} holds the prompt's {@code points} and {@code box} ({@code regions[2]}; empty
     * when they are the body's own fields).
     */
    static void validate(String field, SamPrompt prompt, int maxPoints) {
        String prefix = field.isEmpty() ? "" : field + ".";
        if (prompt.getPointsCount() == 0 && !prompt.hasBox()) {
            throw OspreyException.badInput((field.isEmpty() ? "" : field + ": ") + "give points [[x, y, 1|0], ...], a box, or both");
        }
        if (prompt.getPointsCount() > maxPoints) {
            throw OspreyException.badInput(prefix + "points: " + prompt.getPointsCount() + " points, the limit is " + maxPoints);
        }
        boolean foreground = false;
        for (int i = 0; i < prompt.getPointsCount(); i++) {
            Point point = prompt.getPoints(i);
            String at = prefix + "points[" + i + "]";
            requireCoordinate(at + ".x", point.getX());
            requireCoordinate(at + ".y", point.getY());
            switch (point.getLabel()) {
                case POINT_LABEL_FOREGROUND -> foreground = true;
                case POINT_LABEL_BACKGROUND -> { }
                default -> throw OspreyException.badInput(at + ": the label must be foreground (1) or background (0)");
            }
        }
        if (!prompt.hasBox() && !foreground) {
            throw OspreyException.badInput(prefix + "points: no foreground point; without a box, at least one point must be on the object"
                    + " (label 1)");
        }
        if (prompt.hasBox()) {
            Box box = prompt.getBox();
            requireCoordinate(prefix + "box x", box.getX());
            requireCoordinate(prefix + "box y", box.getY());
            if (!(box.getWidth() > 0 && box.getHeight() > 0 && Double.isFinite(box.getWidth()) && Double.isFinite(box.getHeight()))) {
                throw OspreyException.badInput(prefix + "box: width and height must be positive numbers, got " + box.getWidth() + " x "
                        + box.getHeight());
            }
        }
    }

    private static void requireCoordinate(String field, double value) {
        if (!Double.isFinite(value)) {
            throw OspreyException.badInput(field + ": " + value + " is not a coordinate");
        }
        if (value < 0) {
            throw OspreyException.badInput(field + ": " + value + " is outside the image (coordinates start at 0)");
        }
    }

    /** Whether the mask a region with {@code prompt} becomes is the best of SAM's three candidates (else its single-output mask). */
    static boolean picksAmongCandidates(SamPrompt prompt) {
        return prompt.hasBox() ? prompt.getPointsCount() == 0 : prompt.getPointsCount() == 1;
    }

    /** The Segmenter call for {@code prompt}; the box [x, y, width, height] becomes SAM's corners [x0, y0, x1, y1]. */
    static SegmentRequest request(String imageId, SamPrompt prompt, boolean multimask) {
        SegmentRequest.Builder request = SegmentRequest.newBuilder().setImageId(imageId).setMultimask(multimask);
        for (Point point : prompt.getPointsList()) {
            request.addPoints(PromptPoint.newBuilder().setX(point.getX()).setY(point.getY())
                    .setLabel(point.getLabel() == PointLabel.POINT_LABEL_FOREGROUND ? FOREGROUND : BACKGROUND));
        }
        if (prompt.hasBox()) {
            Box box = prompt.getBox();
            request.setBox(PromptBox.newBuilder().setX0(box.getX()).setY0(box.getY())
                    .setX1(box.getX() + box.getWidth()).setY1(box.getY() + box.getHeight()));
        }
        return request.build();
    }
}
