package dev.osprey.e2e;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;
import java.util.regex.Pattern;

/**
 * Judges every outcome of the soak as it arrives, against what the stack may answer: an answer (and
 * a greedy answer equal to every earlier one for the same image bytes and question), 429, 504, 503
 * or a refused connection only while a service it needs is down, 404 only about an image that was
 * deleted (uploads are stored: an encoder restart loses none); never silence, never 500, INTERNAL or
 * UNKNOWN.
 */
final class SoakJudge implements Consumer<SoakOutcome> {

    /** A service down from its kill until it serves again ({@code to} is open until then). */
    static final class Outage {
        final String service;
        final long from = System.nanoTime();
        volatile long to = Long.MAX_VALUE;

        private Outage(String service) {
            this.service = service;
        }
    }

    final long origin = System.nanoTime();
    private final Queue<SoakOutcome> outcomes = new ConcurrentLinkedQueue<>();
    private final List<Outage> outages = new CopyOnWriteArrayList<>();
    private static final Pattern JAVA_CLASS = Pattern.compile("\\b[A-Z]\\w*(Exception|Error)\\b|\\b(java|javax|io\\.grpc|org\\.springframework)\\.\\w");

    private final List<String> internalAddresses;
    private final List<Violation> violations = Collections.synchronizedList(new ArrayList<>());
    private final Map<String, String> greedyAnswers = new ConcurrentHashMap<>();
    private volatile long lastLimited = Long.MIN_VALUE;

    /** Marks {@code service} down from now: call it just before the kill. */
    Outage outageBegins(String service) {
        Outage outage = new Outage(service);
        outages.add(outage);
        return outage;
    }

    /** Marks the service up again: call it once it serves. */
    void outageEnds(Outage outage) {
        outage.to = System.nanoTime();
    }

    List<Outage> outages() {
        return List.copyOf(outages);
    }

    List<SoakOutcome> outcomes() {
        return List.copyOf(outcomes);
    }

    List<Violation> violations() {
        synchronized (violations) {
            return List.copyOf(violations);
        }
    }

    /** A request that was not answered as allowed: what was wrong (one of a few kinds), and the request. */
    record Violation(String problem, String request) {
    }

    /** @param internalAddresses the backends' host:port, which no message to a client may name */
    SoakJudge(List<String> internalAddresses) {
        this.internalAddresses = List.copyOf(internalAddresses);
    }

    @Override
    public void accept(SoakOutcome outcome) {
        outcomes.add(outcome);
        Violation violation = judge(outcome);
        if (violation != null) {
            violations.add(violation);
        }
    }

    private Violation judge(SoakOutcome outcome) {
        return switch (outcome.verdict()) {
            case OK -> changedAnswer(outcome);
            case LIMITED -> {
                lastLimited = Math.max(lastLimited, outcome.endNanos());
                yield leak(outcome);
            }
            // The gateway's deadline (set below the client's timeout) is a clear answer to a request it could not serve in time.
            case DEADLINE -> leak(outcome);
            case UNAVAILABLE -> outages.stream().anyMatch(o -> outcome.overlaps(o.from, o.to)) ? leak(outcome)
                    : violation("unavailable while every service served", outcome, null);
            case NOT_FOUND -> outcome.image().deleteIssuedAt < outcome.endNanos() ? leak(outcome)
                    : violation("not found, though uploaded and not deleted", outcome, null);
            case DISCONNECTED -> outages.stream().anyMatch(o -> o.service.equals("gateway") && outcome.overlaps(o.from, o.to)) ? null
                    : violation("the connection failed while the gateway served", outcome, null);
            case UNANSWERED -> violation("unanswered", outcome, lastLimited == Long.MIN_VALUE ? "no 429 before it"
                    : String.format(Locale.ROOT, "the client's last 429 before its end came at %.1f s", seconds(lastLimited)));
            case WRONG -> violation("not an allowed answer", outcome, null);
        };
    }

    private Violation changedAnswer(SoakOutcome outcome) {
        if (outcome.answer() == null) {
            return null;
        }
        if (outcome.question() == null) {
            // An upload: the same bytes from the same tenant keep their id.
            String known = outcome.image().id;
            return known == null || known.equals(outcome.answer()) ? null
                    : violation("the same bytes got another id", outcome, "before " + known + ", now " + outcome.answer());
        }
        String key = outcome.image().digest.substring(0, 12) + " / " + outcome.question().name();
        String first = greedyAnswers.putIfAbsent(key, outcome.answer());
        return first == null || first.equals(outcome.answer()) ? null
                : violation("greedy answer changed", outcome, key + ": first " + first + ", now " + outcome.answer());
    }

    /** A clear error may still tell a client what it should not: a backend's address or a Java class. */
    private Violation leak(SoakOutcome outcome) {
        String message = outcome.detail();
        if (message == null) {
            return null;
        }
        if (internalAddresses.stream().anyMatch(message::contains)) {
            return violation("the error message names an internal address", outcome, null);
        }
        return JAVA_CLASS.matcher(message).find() ? violation("the error message names a Java class", outcome, null) : null;
    }

    private Violation violation(String problem, SoakOutcome outcome, String note) {
        return new Violation(problem, String.format(Locale.ROOT, "%s (%s, started at %.1f s, after %.0f ms): %s%s%s", outcome.kind(),
                outcome.tenant(), seconds(outcome.startNanos()), outcome.millis(), outcome.code(),
                outcome.detail() == null ? "" : " [" + abbreviate(outcome.detail()) + "]", note == null ? "" : "; " + note));
    }

    double seconds(long nanos) {
        return (nanos - origin) / 1e9;
    }

    private static String abbreviate(String text) {
        String line = text.replace('\n', ' ');
        return line.length() <= 300 ? line : line.substring(0, 300) + "...";
    }
}
