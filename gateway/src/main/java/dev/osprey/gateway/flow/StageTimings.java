package dev.osprey.gateway.flow;

import com.fasterxml.jackson.annotation.JsonProperty;
import dev.osprey.api.v1.Usage;
import io.swagger.v3.oas.annotations.media.Schema;
import java.util.Collection;
import java.util.Locale;

/**
 * Where one answer's time went, stage by stage, in milliseconds (see {@code StageTimings} in
 * region_service.proto for what each stage counts): what the native API's usage carries, as JSON
 * {@code "timings"} and as the {@code Server-Timing} header. Any of the gateway's APIs can put it in its
 * own usage: {@link #of(Usage)} reads it from a Finished event of {@link RegionAsks#ask}.
 */
@Schema(description = "Milliseconds per stage: queue (waiting in llm-service for a worker and a prefill turn), encode (waiting for"
        + " encoder-service, encoding included when the image's features were not cached), extract (region tokens), prefill (the"
        + " prompt's KV cache) and decode (first token to last); a stage that did not run is 0")
public record StageTimings(@JsonProperty("queue_ms") double queueMs, @JsonProperty("encode_ms") double encodeMs,
        @JsonProperty("extract_ms") double extractMs, @JsonProperty("prefill_ms") double prefillMs,
        @JsonProperty("decode_ms") double decodeMs) {

    /** The timings an answer's usage carries. */
    public static StageTimings of(Usage usage) {
        dev.osprey.api.v1.StageTimings t = usage.getTimings();
        return new StageTimings(t.getQueueMs(), t.getEncodeMs(), t.getExtractMs(), t.getPrefillMs(), t.getDecodeMs());
    }

    /**
     * The request's timings when it has several answers (a task over several regions, decoded together):
     * each stage's longest, which is what the request as a whole waited for.
     */
    public static StageTimings slowest(Collection<StageTimings> answers) {
        return answers.stream().reduce(new StageTimings(0, 0, 0, 0, 0), (a, b) -> new StageTimings(Math.max(a.queueMs, b.queueMs),
                Math.max(a.encodeMs, b.encodeMs), Math.max(a.extractMs, b.extractMs), Math.max(a.prefillMs, b.prefillMs),
                Math.max(a.decodeMs, b.decodeMs)));
    }

    /** The value of a {@code Server-Timing} header (W3C Server Timing) naming every stage. */
    public String serverTiming() {
        return String.join(", ", entry("queue", queueMs), entry("encode", encodeMs), entry("extract", extractMs),
                entry("prefill", prefillMs), entry("decode", decodeMs));
    }

    /** One {@code Server-Timing} metric: {@code name;dur=milliseconds}. */
    static String entry(String stage, double millis) {
        return stage + ";dur=" + String.format(Locale.ROOT, "%.1f", millis);
    }
}
