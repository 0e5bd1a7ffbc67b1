package dev.osprey.gateway.rest;

import java.util.Collection;
import java.util.stream.Collectors;
import tools.jackson.core.JacksonException;
import tools.jackson.core.JsonToken;
import tools.jackson.core.exc.StreamReadException;
import tools.jackson.databind.exc.MismatchedInputException;
import tools.jackson.databind.exc.UnrecognizedPropertyException;

/**
 * A JSON body that does not fit {@link ChatBody}, said in the API's terms: the field as the client
 * wrote it ({@code regions[0].box}) and the kind of value expected. Jackson's own messages name our
 * Java types ("Cannot deserialize value of type `dev.osprey...`"), which mean nothing to a client.
 */
public final class JsonProblems {

    private JsonProblems() {
    }

    static String describe(JacksonException problem) {
        String field = field(problem);
        return switch (problem) {
            case UnrecognizedPropertyException e -> "unknown field '" + field + "'";
            case MismatchedInputException e when e.getTargetType() != null ->
                    (field.isEmpty() ? "the body" : field) + ": expected " + kind(e.getTargetType()) + got(e.getCurrentToken());
            // Syntax errors name no types: Jackson's text says what is wrong where.
            case StreamReadException e -> "not valid JSON: " + e.getOriginalMessage();
            default -> (field.isEmpty() ? "the body" : field) + " does not have the expected form";
        };
    }

    /** The JSON path to the problem, e.g. {@code regions[0].box[2]}; empty for the body itself. */
    public static String field(JacksonException problem) {
        return problem.getPath().stream()
                .map(step -> step.getPropertyName() != null ? "." + step.getPropertyName() : "[" + step.getIndex() + "]")
                .collect(Collectors.joining()).replaceFirst("^\\.", "");
    }

    private static String kind(Class<?> type) {
        if (type == Integer.class || type == int.class || type == Long.class || type == long.class) {
            return "an integer";
        }
        if (Number.class.isAssignableFrom(type) || type == double.class || type == float.class) {
            return "a number";
        }
        if (type == String.class) {
            return "a string";
        }
        if (type == Boolean.class || type == boolean.class) {
            return "true or false";
        }
        if (Collection.class.isAssignableFrom(type) || type.isArray()) {
            return "a list";
        }
        return "an object";
    }

    private static String got(JsonToken token) {
        if (token == null) {
            return "";
        }
        return ", got " + switch (token) {
            case VALUE_NUMBER_FLOAT -> "a number with a fraction";
            case VALUE_NUMBER_INT -> "an integer";
            case VALUE_STRING -> "a string";
            case VALUE_TRUE, VALUE_FALSE -> "true or false";
            case START_ARRAY -> "a list";
            case START_OBJECT -> "an object";
            case VALUE_NULL -> "null";
            default -> "something else";
        };
    }
}
