package dev.osprey.e2e;

import dev.osprey.api.v1.AskRequest;
import dev.osprey.api.v1.Box;
import dev.osprey.api.v1.ImageRef;
import dev.osprey.api.v1.Region;
import dev.osprey.api.v1.Sampling;
import dev.osprey.api.v1.Task;
import java.util.List;
import java.util.stream.Collectors;

/**
 * A greedy question of the reliability soak, over box regions given as fractions of the image
 * (x, y, width, height), so that it fits every image; asked the same over REST and gRPC.
 *
 * @param task   short, detailed or category; null for a prompt
 * @param prompt free text referring to {@code <region1>}...; null for a task
 */
record SoakQuestion(String name, String task, String prompt, List<double[]> boxes, int maxNewTokens) {

    private static final double[] LEFT = {0.1, 0.1, 0.4, 0.5};
    private static final double[] RIGHT = {0.5, 0.4, 0.4, 0.5};

    /** The questions of the mix (and of the fixed greedy set, about the pinned image). */
    static final List<SoakQuestion> MIX = List.of(
            new SoakQuestion("short", "short", null, List.of(LEFT), 8),
            new SoakQuestion("category x2", "category", null, List.of(LEFT, RIGHT), 6),
            new SoakQuestion("what is", null, "What is <region1>?", List.of(RIGHT), 8),
            new SoakQuestion("relation", null, "How does <region1> relate to <region2>?", List.of(LEFT, RIGHT), 10),
            new SoakQuestion("detailed", "detailed", null, List.of(RIGHT), 12));

    /** A long answer, for the clients that disconnect after its first piece. */
    static final SoakQuestion LONG = new SoakQuestion("long", null, "Describe <region1> in detail.", List.of(LEFT), 64);

    /** The body of {@code POST /v1/chat}. */
    String json(SoakImage image) {
        String regions = boxes.stream().map(box -> "{\"box\": " + List.of(pixels(box, image)) + "}").collect(Collectors.joining(", ", "[", "]"));
        String question = task != null ? "\"task\": \"" + task + "\"" : "\"prompt\": \"" + prompt + "\"";
        return "{\"image_id\": \"" + image.id + "\", " + question + ", \"regions\": " + regions + ", \"temperature\": 0, \"max_new_tokens\": "
                + maxNewTokens + "}";
    }

    AskRequest grpc(SoakImage image) {
        AskRequest.Builder ask = AskRequest.newBuilder().setImage(ImageRef.newBuilder().setImageId(image.id))
                .setSampling(Sampling.newBuilder().setGreedy(true)).setMaxNewTokens(maxNewTokens);
        for (double[] box : boxes) {
            Double[] p = pixels(box, image);
            ask.addRegions(Region.newBuilder().setBox(Box.newBuilder().setX(p[0]).setY(p[1]).setWidth(p[2]).setHeight(p[3])));
        }
        if (task == null) {
            return ask.setPrompt(prompt).build();
        }
        return ask.setTask(switch (task) {
            case "short" -> Task.TASK_SHORT_DESCRIPTION;
            case "detailed" -> Task.TASK_DETAILED_DESCRIPTION;
            default -> Task.TASK_CATEGORY;
        }).build();
    }

    private static Double[] pixels(double[] box, SoakImage image) {
        return new Double[] {(double) Math.round(box[0] * image.width), (double) Math.round(box[1] * image.height),
                (double) Math.round(box[2] * image.width), (double) Math.round(box[3] * image.height)};
    }
}
