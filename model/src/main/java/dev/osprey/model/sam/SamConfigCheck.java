package dev.osprey.model.sam;

import dev.osprey.model.error.OspreyException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import tools.jackson.databind.JsonNode;

/** Reads and checks the fields of one {@code sam_config.json}; errors name the file and the field. */
final class SamConfigCheck {

    private final Path file;

    SamConfigCheck(Path file) {
        this.file = file;
    }

    /** A field that, when present, must equal what the weights' shapes say. */
    void same(String field, JsonNode node, int fromShapes) {
        if (node.isMissingNode() || node.isNull()) {
            return;
        }
        if (!node.isIntegralNumber() || node.asInt() != fromShapes) {
            throw OspreyException.badCheckpoint(file + ": " + field + " is " + node + " but the weights' shapes give " + fromShapes);
        }
    }

    /** A list field that, when present, must equal what the shapes say. */
    void sameList(String field, JsonNode node, List<Integer> fromShapes) {
        if (node.isMissingNode() || node.isNull()) {
            return;
        }
        if (!ints(field, node).equals(fromShapes)) {
            throw OspreyException.badCheckpoint(file + ": " + field + " is " + node + " but the weights' shapes give " + fromShapes);
        }
    }

    /** A required positive integer. */
    int positive(String field, JsonNode node) {
        if (!node.isIntegralNumber() || node.asInt() <= 0) {
            throw OspreyException.badCheckpoint(file + ": " + field + " must be a positive integer, got "
                    + (node.isMissingNode() ? "nothing" : node.toString()));
        }
        return node.asInt();
    }

    /** A required list of non-negative integers. */
    List<Integer> ints(String field, JsonNode node) {
        if (!node.isArray()) {
            throw OspreyException.badCheckpoint(file + ": " + field + " must be a list of integers, got "
                    + (node.isMissingNode() ? "nothing" : node.toString()));
        }
        List<Integer> values = new ArrayList<>();
        for (JsonNode v : node) {
            if (!v.isIntegralNumber() || v.asInt() < 0) {
                throw OspreyException.badCheckpoint(file + ": " + field + " must hold non-negative integers, got " + node);
            }
            values.add(v.asInt());
        }
        return values;
    }

    /** Three finite numbers (a mean) or positive ones (a std), per channel; {@code fallback} when absent. */
    List<Double> doubles(String field, JsonNode node, List<Double> fallback) {
        if (node.isMissingNode() || node.isNull()) {
            return fallback;
        }
        List<Double> values = new ArrayList<>();
        for (JsonNode v : node) {
            values.add(v.isNumber() ? v.asDouble() : Double.NaN);
        }
        boolean mean = field.endsWith("mean");
        if (!node.isArray() || values.size() != 3 || values.stream().anyMatch(v -> mean ? !Double.isFinite(v) : !(v > 0 && Double.isFinite(v)))) {
            throw OspreyException.badCheckpoint(file + ": " + field + " must be three numbers (R, G, B), got " + node);
        }
        return values;
    }
}
