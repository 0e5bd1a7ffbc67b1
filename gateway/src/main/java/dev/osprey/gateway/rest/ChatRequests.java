package dev.osprey.gateway.rest;

import com.google.protobuf.ByteString;
import dev.osprey.api.v1.AskRequest;
import dev.osprey.api.v1.Box;
import dev.osprey.api.v1.CocoRle;
import dev.osprey.api.v1.ImageRef;
import dev.osprey.api.v1.Polygon;
import dev.osprey.api.v1.Polygons;
import dev.osprey.api.v1.Region;
import dev.osprey.api.v1.Role;
import dev.osprey.api.v1.RunLengths;
import dev.osprey.api.v1.Sampling;
import dev.osprey.api.v1.Task;
import dev.osprey.api.v1.Turn;
import dev.osprey.model.error.OspreyException;
import java.util.Base64;
import java.util.List;
import java.util.Locale;
import tools.jackson.databind.JsonNode;

/**
 * {@code POST /v1/chat} JSON → the public {@link AskRequest}; every error names the JSON field. The
 * OpenAI-compatible API parses regions, sampling and text with the same methods.
 */
public final class ChatRequests {

    private ChatRequests() {
    }

    public static AskRequest toAsk(ChatBody body) {
        AskRequest.Builder ask = AskRequest.newBuilder().setImage(image(body.imageId()));
        List<ChatBody.RegionBody> regions = body.regions() == null ? List.of() : body.regions();
        for (int i = 0; i < regions.size(); i++) {
            ask.addRegions(region("regions[" + i + "]", regions.get(i)));
        }
        if ((body.task() == null) == (body.prompt() == null)) {
            throw OspreyException.badInput("give exactly one of task (short, detailed, category) and prompt");
        }
        if (body.task() != null) {
            ask.setTask(task(text("task", body.task())));
        } else {
            ask.setPrompt(text("prompt", body.prompt()));
        }
        List<ChatBody.TurnBody> history = body.history() == null ? List.of() : body.history();
        for (int i = 0; i < history.size(); i++) {
            ask.addHistory(turn("history[" + i + "]", history.get(i)));
        }
        requireMaxNewTokens(body.maxNewTokens());
        if (body.maxNewTokens() != null) {
            ask.setMaxNewTokens(body.maxNewTokens());
        }
        ask.setSampling(sampling(body.temperature(), body.topK(), body.topP(), body.seed()));
        List<String> stop = body.stop() == null ? List.of() : body.stop();
        for (int i = 0; i < stop.size(); i++) {
            if (stop.get(i) == null) {
                throw OspreyException.badInput("stop[" + i + "] is null");
            }
            ask.addStop(text("stop[" + i + "]", stop.get(i)));
        }
        return ask.build();
    }

    /** The image a body's {@code image_id} names. */
    static ImageRef image(String imageId) {
        if (imageId == null || imageId.isBlank()) {
            throw OspreyException.badInput("image_id is missing: upload the image with POST /v1/images first");
        }
        return ImageRef.newBuilder().setImageId(text("image_id", imageId)).build();
    }

    /**
     * {@code value} as given, if it is text: JSON can carry a lone UTF-16 surrogate ("\ud800"), which
     * no UTF-8 message (gRPC, our answers) can hold.
     */
    public static String text(String field, String value) {
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            if (Character.isHighSurrogate(c) && i + 1 < value.length() && Character.isLowSurrogate(value.charAt(i + 1))) {
                i++;
            } else if (Character.isSurrogate(c)) {
                throw OspreyException.badInput(field + ": character " + i + " is a lone UTF-16 surrogate (\\u" + Integer.toHexString(c)
                        + "), not text");
            }
        }
        return value;
    }

    private static Task task(String name) {
        return switch (name.toLowerCase(Locale.ROOT)) {
            case "short" -> Task.TASK_SHORT_DESCRIPTION;
            case "detailed" -> Task.TASK_DETAILED_DESCRIPTION;
            case "category" -> Task.TASK_CATEGORY;
            default -> throw OspreyException.badInput("task: unknown task '" + name + "'; use short, detailed or category");
        };
    }

    /** The sampling fields of a body (each may be absent: the server's default). */
    public static Sampling sampling(Double temperature, Integer topK, Double topP, Long seed) {
        Sampling.Builder sampling = Sampling.newBuilder();
        if (temperature != null) {
            if (!(temperature >= 0)) {
                throw OspreyException.badInput("temperature must be >= 0 (0 means greedy), got " + temperature);
            }
            if (temperature == 0) {
                return sampling.setGreedy(true).build();
            }
            sampling.setTemperature(temperature.floatValue());
        }
        if (topK != null) {
            if (topK < 1) {
                throw OspreyException.badInput("top_k must be at least 1, got " + topK);
            }
            sampling.setTopK(topK);
        }
        if (topP != null) {
            if (!(topP > 0 && topP <= 1)) {
                throw OspreyException.badInput("top_p must be in (0, 1], got " + topP);
            }
            sampling.setTopP(topP.floatValue());
        }
        if (seed != null) {
            sampling.setSeed(seed);
        }
        return sampling.build();
    }

    /** Throws BAD_INPUT unless {@code maxNewTokens} is absent or at least 1. */
    static void requireMaxNewTokens(Integer maxNewTokens) {
        if (maxNewTokens != null && maxNewTokens < 1) {
            throw OspreyException.badInput("max_new_tokens must be at least 1, got " + maxNewTokens);
        }
    }

    private static Turn turn(String field, ChatBody.TurnBody turn) {
        if (turn == null || turn.role() == null || turn.content() == null) {
            throw OspreyException.badInput(field + ": expected {\"role\": \"user\"|\"assistant\", \"content\": \"...\"}");
        }
        Role role = switch (text(field + ".role", turn.role())) {
            case "user" -> Role.ROLE_USER;
            case "assistant" -> Role.ROLE_ASSISTANT;
            default -> throw OspreyException.badInput(field + ".role: '" + turn.role() + "' is neither user nor assistant");
        };
        return Turn.newBuilder().setRole(role).setContent(text(field + ".content", turn.content())).build();
    }

    /** One region in any of the native forms, {@code field} naming it in errors ({@code regions[2]}). */
    public static Region region(String field, ChatBody.RegionBody region) {
        if (region == null) {
            throw OspreyException.badInput(field + " is null");
        }
        if (region.points() != null || Boolean.TRUE.equals(region.segment())) {
            if (Boolean.FALSE.equals(region.segment())) {
                throw OspreyException.badInput(field + ": \"segment\": false with points; points are always a Segment Anything prompt");
            }
            if (region.rle() != null || region.polygons() != null || region.png() != null) {
                throw OspreyException.badInput(field + ": a Segment Anything prompt (points, or \"segment\": true) takes a box at most,"
                        + " no rle, polygons or png");
            }
            return Region.newBuilder().setSegment(SamRequests.prompt(field, region.points(), region.box())).build();
        }
        int given = (region.rle() != null ? 1 : 0) + (region.polygons() != null ? 1 : 0) + (region.png() != null ? 1 : 0)
                + (region.box() != null ? 1 : 0);
        if (given != 1) {
            throw OspreyException.badInput(field + ": give exactly one of rle, polygons, png, box (got " + given + ")");
        }
        if (region.rle() != null) {
            return Region.newBuilder().setRle(rle(field + ".rle", region.rle())).build();
        }
        if (region.polygons() != null) {
            Polygons.Builder polygons = Polygons.newBuilder();
            for (int p = 0; p < region.polygons().size(); p++) {
                List<Double> coordinates = region.polygons().get(p);
                if (coordinates == null || coordinates.contains(null)) {
                    throw OspreyException.badInput(field + ".polygons[" + p + "]: expected a list of numbers [x0, y0, x1, y1, ...]");
                }
                polygons.addPolygons(Polygon.newBuilder().addAllCoordinates(coordinates));
            }
            return Region.newBuilder().setPolygons(polygons).build();
        }
        if (region.png() != null) {
            try {
                // A data URL (as a browser's canvas gives) is accepted as well as bare base64.
                String base64 = region.png().startsWith("data:") ? region.png().substring(region.png().indexOf(',') + 1) : region.png();
                return Region.newBuilder().setPng(ByteString.copyFrom(Base64.getDecoder().decode(base64.strip()))).build();
            } catch (IllegalArgumentException e) {
                throw OspreyException.badInput(field + ".png is not base64: " + e.getMessage());
            }
        }
        return Region.newBuilder().setBox(box(field + ".box", region.box())).build();
    }

    /** A box [x, y, width, height] as given in {@code field}. */
    static Box box(String field, List<Double> box) {
        if (box.size() != 4 || box.contains(null)) {
            throw OspreyException.badInput(field + ": expected [x, y, width, height], got " + box);
        }
        return Box.newBuilder().setX(box.get(0)).setY(box.get(1)).setWidth(box.get(2)).setHeight(box.get(3)).build();
    }

    private static CocoRle rle(String field, ChatBody.RleBody rle) {
        List<Integer> size = rle.size();
        if (size == null || size.size() != 2 || size.contains(null)) {
            throw OspreyException.badInput(field + ".size: expected [height, width]");
        }
        CocoRle.Builder message = CocoRle.newBuilder().setHeight(size.get(0)).setWidth(size.get(1));
        JsonNode counts = rle.counts();
        if (counts != null && counts.isString()) {
            return message.setCompressed(counts.asString()).build();
        }
        if (counts != null && counts.isArray()) {
            RunLengths.Builder runs = RunLengths.newBuilder();
            for (int i = 0; i < counts.size(); i++) {
                JsonNode run = counts.get(i);
                if (!run.isIntegralNumber() || !run.canConvertToLong() || run.asLong() < 0 || run.asLong() > 0xffffffffL) {
                    throw OspreyException.badInput(field + ".counts[" + i + "]: expected a run length (a non-negative integer), got "
                            + run);
                }
                runs.addCounts((int) run.asLong());
            }
            return message.setUncompressed(runs).build();
        }
        throw OspreyException.badInput(field + ".counts: expected a compressed string or a list of run lengths");
    }
}
