package dev.osprey.model.generate;

import dev.osprey.model.decode.Cancellation;
import dev.osprey.model.error.OspreyException;
import java.util.List;

/**
 * What to generate and when to stop.
 *
 * @param sampling     how tokens are chosen
 * @param maxNewTokens the most ids per sequence, ≥ 1
 * @param stopStrings  texts that end a sequence when its text reaches one (non-empty strings)
 * @param listener     receives the text as it appears
 * @param cancellation once cancelled, ends the generation, the decoder run in progress included (a long prefill)
 */
public record GenerationRequest(SamplingSettings sampling, int maxNewTokens, List<String> stopStrings,
        TokenListener listener, Cancellation cancellation) {

    /** The reference's default bound on new tokens in this API. */
    public static final int DEFAULT_MAX_NEW_TOKENS = 256;

    public GenerationRequest {
        if (maxNewTokens < 1) {
            throw OspreyException.badInput("max_new_tokens must be >= 1, got " + maxNewTokens);
        }
        stopStrings = List.copyOf(stopStrings);
        if (stopStrings.stream().anyMatch(String::isEmpty)) {
            throw OspreyException.badInput("stop strings must not be empty");
        }
    }

    /** No stop strings, no listener, never cancelled. */
    public static GenerationRequest of(SamplingSettings sampling, int maxNewTokens) {
        return new GenerationRequest(sampling, maxNewTokens, List.of(), TokenListener.NONE, Cancellation.NONE);
    }

    /** This request with other stop strings. */
    public GenerationRequest withStopStrings(List<String> strings) {
        return new GenerationRequest(sampling, maxNewTokens, strings, listener, cancellation);
    }

    /** This request streaming to {@code to}. */
    public GenerationRequest withListener(TokenListener to) {
        return new GenerationRequest(sampling, maxNewTokens, stopStrings, to, cancellation);
    }

    /** This request cancelled by {@code by}. */
    public GenerationRequest withCancellation(Cancellation by) {
        return new GenerationRequest(sampling, maxNewTokens, stopStrings, listener, by);
    }
}
