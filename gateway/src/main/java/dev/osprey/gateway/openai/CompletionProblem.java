package dev.osprey.gateway.openai;

import dev.osprey.model.error.OspreyException;
import dev.osprey.model.error.Reason;

/**
 * A request refused because of one parameter: the message starts with it as the client wrote it
 * ({@code messages[2].content[0].image_url.url}), and OpenAI's error body names it in {@code param},
 * with OpenAI's {@code code} where it has one.
 */
final class CompletionProblem extends OspreyException {

    private final String param;
    private final String code;

    private CompletionProblem(Reason reason, String param, String code, String problem) {
        super(reason, param + ": " + problem);
        this.param = param;
        this.code = code;
    }

    /** A value the API does not accept (400). */
    static CompletionProblem invalid(String param, String problem) {
        return new CompletionProblem(Reason.BAD_INPUT, param, null, problem);
    }

    /** A value OpenAI's API accepts but this one does not (400, code {@code unsupported_value}). */
    static CompletionProblem unsupported(String param, String problem) {
        return new CompletionProblem(Reason.BAD_INPUT, param, "unsupported_value", problem);
    }

    /** A model that is not served (404, code {@code model_not_found}). */
    static CompletionProblem unknownModel(String model, String served) {
        return new CompletionProblem(Reason.NOT_FOUND, "model", "model_not_found", "the model '" + model + "' does not exist; this server"
                + " serves '" + served + "' (GET /v1/models)");
    }

    String param() {
        return param;
    }

    String code() {
        return code;
    }
}
