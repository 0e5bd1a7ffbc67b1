package dev.osprey.e2e;

import java.util.Locale;
import java.util.Map;

/**
 * What one request of the reliability soak got, as its client saw it.
 *
 * @param code     {@link #ANSWERED}, {@link #ABORTED}, {@link #UNANSWERED}, a connection failure, or the error as
 *                 the protocol said it: "HTTP 429", "SSE unavailable" (an error event after the stream began), "gRPC
 *                 UNAVAILABLE"
 * @param image    the image the request was about
 * @param question the question asked, null for other requests
 * @param answer   for an answered question its output ids by answer index; for an upload the image id
 * @param detail   for an error, what the server or the client library said
 */
record SoakOutcome(Kind kind, String tenant, String code, long startNanos, long endNanos, SoakImage image, SoakQuestion question,
        String answer, String detail) {

    enum Kind {
        UPLOAD_NEW, UPLOAD_AGAIN, ASK_JSON, ASK_SSE, ASK_GRPC, DELETE, ABORT_UPLOAD, ABORT_SSE, ABORT_GRPC
    }

    /** How the soak judges a code: fine, a clear error (allowed when its cause holds), or wrong. */
    enum Verdict {
        OK, LIMITED, DEADLINE, UNAVAILABLE, NOT_FOUND, DISCONNECTED, UNANSWERED, WRONG
    }

    static final String ANSWERED = "answered";
    static final String ABORTED = "aborted by the client";
    static final String UNANSWERED = "no answer before the client's timeout";
    static final String REFUSED = "connection refused";
    static final String DROPPED = "connection dropped";

    /** The last word of an error code, in any protocol's spelling, to what it means. */
    private static final Map<String, Verdict> ERRORS = Map.ofEntries(
            Map.entry("429", Verdict.LIMITED), Map.entry("resource_exhausted", Verdict.LIMITED),
            Map.entry("504", Verdict.DEADLINE), Map.entry("deadline_exceeded", Verdict.DEADLINE),
            // A backend that went away mid-call: the gateway says unavailable (REST 503) or passes a cancel on.
            Map.entry("503", Verdict.UNAVAILABLE), Map.entry("unavailable", Verdict.UNAVAILABLE), Map.entry("cancelled", Verdict.UNAVAILABLE),
            Map.entry("404", Verdict.NOT_FOUND), Map.entry("not_found", Verdict.NOT_FOUND));

    Verdict verdict() {
        return switch (code) {
            case ANSWERED, ABORTED -> Verdict.OK;
            case UNANSWERED -> Verdict.UNANSWERED;
            case REFUSED, DROPPED -> Verdict.DISCONNECTED;
            default -> ERRORS.getOrDefault(code.substring(code.lastIndexOf(' ') + 1).toLowerCase(Locale.ROOT), Verdict.WRONG);
        };
    }

    double millis() {
        return (endNanos - startNanos) / 1e6;
    }

    /** Whether the request was in flight at some time of [from, to]. */
    boolean overlaps(long from, long to) {
        return startNanos <= to && endNanos >= from;
    }
}
