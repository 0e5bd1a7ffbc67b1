package dev.osprey.e2e;

import dev.osprey.e2e.SoakOutcome.Kind;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Predicate;
import java.util.stream.Collectors;

/**
 * The soak's summary as Markdown: per phase and request kind the requests, answers, errors by code,
 * unanswered requests and latency percentiles; each service's resident memory; the outages; notes.
 */
final class SoakReport {

    /** A stretch of the run; requests belong to the phase they started in. */
    record Phase(String name, long from, long to) {
        boolean holds(SoakOutcome outcome) {
            return outcome.startNanos() >= from && outcome.startNanos() < to;
        }

        double seconds() {
            return (to - from) / 1e9;
        }
    }

    private static final int EXAMPLES = 5;

    private final SoakJudge judge;
    private final List<Phase> phases = new ArrayList<>();
    private final Map<String, Map<String, ServiceProcess.Resident>> memory = new LinkedHashMap<>();
    private final List<String> notes = new ArrayList<>();

    SoakReport(SoakJudge judge) {
        this.judge = judge;
    }

    /** Records a phase that ran from {@code from} until now. */
    Phase phase(String name, long from) {
        Phase phase = new Phase(name, from, System.nanoTime());
        phases.add(phase);
        return phase;
    }

    /** Requests of {@code phase} that got an answer or ended as their client meant (aborts), per second. */
    double servedPerSecond(Phase phase) {
        return judge.outcomes().stream().filter(phase::holds).filter(o -> o.verdict() == SoakOutcome.Verdict.OK).count() / phase.seconds();
    }

    /** Adds a column of resident memory (by service). */
    void memory(String column, Map<String, ServiceProcess.Resident> mebibytes) {
        memory.put(column, mebibytes);
    }

    void note(String line) {
        notes.add(line);
    }

    String markdown() {
        List<SoakOutcome> outcomes = judge.outcomes();
        StringBuilder md = new StringBuilder("## Reliability soak\n\n");
        notes.forEach(note -> md.append("- ").append(note).append('\n'));
        md.append("\n| phase | requests of | requests | answered | aborted by the client | errors by code | unanswered | p50 ms | p99 ms |\n")
                .append("|---|---|---|---|---|---|---|---|---|\n");
        for (Phase phase : phases) {
            List<SoakOutcome> in = outcomes.stream().filter(phase::holds).toList();
            row(md, phase.name(), "all", in);
            for (Kind kind : Kind.values()) {
                List<SoakOutcome> ofKind = in.stream().filter(o -> o.kind() == kind).toList();
                if (!ofKind.isEmpty()) {
                    row(md, "", kind.name().toLowerCase(Locale.ROOT).replace('_', ' '), ofKind);
                }
            }
        }
        if (!memory.isEmpty()) {
            md.append("\n| resident memory (MiB after a full GC: in all, and outside the Java heap) | ").append(String.join(" | ", memory.keySet()))
                    .append(" |\n|---|").append("---|".repeat(memory.size())).append('\n');
            for (String service : LocalStack.SERVICES) {
                md.append("| ").append(service).append(" | ").append(memory.values().stream().map(m -> m.get(service))
                        .map(r -> r.totalMiB() + " (" + r.outsideHeapMiB() + ")").collect(Collectors.joining(" | "))).append(" |\n");
            }
        }
        if (!judge.outages().isEmpty()) {
            md.append("\n| killed (SIGKILL) | at s | serving again at s | requests in flight meanwhile | of them answered | clear errors |\n")
                    .append("|---|---|---|---|---|---|\n");
            for (SoakJudge.Outage outage : judge.outages()) {
                List<SoakOutcome> during = outcomes.stream().filter(o -> o.overlaps(outage.from, outage.to)).toList();
                md.append(String.format(Locale.ROOT, "| %s | %.1f | %.1f | %d | %d | %s |%n", outage.service, judge.seconds(outage.from),
                        judge.seconds(outage.to), during.size(), count(during, o -> o.code().equals(SoakOutcome.ANSWERED)), errors(during)));
            }
        }
        Map<String, List<SoakJudge.Violation>> violations = judge.violations().stream()
                .collect(Collectors.groupingBy(SoakJudge.Violation::problem, TreeMap::new, Collectors.toList()));
        md.append("\nRequests not answered as allowed: ").append(violations.isEmpty() ? "none" : "").append('\n');
        violations.forEach((problem, of) -> {
            md.append("- ").append(problem).append(": ").append(of.size()).append(", for example\n");
            of.stream().limit(EXAMPLES).forEach(v -> md.append("  - ").append(v.request()).append('\n'));
        });
        return md.toString();
    }

    private static void row(StringBuilder md, String phase, String kind, List<SoakOutcome> outcomes) {
        double[] latencies = outcomes.stream().filter(o -> o.code().equals(SoakOutcome.ANSWERED)).mapToDouble(SoakOutcome::millis).sorted().toArray();
        md.append(String.format(Locale.ROOT, "| %s | %s | %d | %d | %d | %s | %d | %s | %s |%n", phase, kind, outcomes.size(),
                latencies.length, count(outcomes, o -> o.code().equals(SoakOutcome.ABORTED)), errors(outcomes),
                count(outcomes, o -> o.verdict() == SoakOutcome.Verdict.UNANSWERED), percentile(latencies, 0.50), percentile(latencies, 0.99)));
    }

    private static long count(List<SoakOutcome> outcomes, Predicate<SoakOutcome> which) {
        return outcomes.stream().filter(which).count();
    }

    /** "HTTP 429: 12, gRPC UNAVAILABLE: 3" over the outcomes that are errors the server or connection gave. */
    private static String errors(List<SoakOutcome> outcomes) {
        Map<String, Long> byCode = outcomes.stream()
                .filter(o -> o.verdict() != SoakOutcome.Verdict.OK && o.verdict() != SoakOutcome.Verdict.UNANSWERED)
                .collect(Collectors.groupingBy(SoakOutcome::code, TreeMap::new, Collectors.counting()));
        return byCode.isEmpty() ? "-" : byCode.entrySet().stream().map(e -> e.getKey() + ": " + e.getValue()).collect(Collectors.joining(", "));
    }

    private static String percentile(double[] sorted, double q) {
        if (sorted.length == 0) {
            return "-";
        }
        return String.format(Locale.ROOT, "%.0f", sorted[Math.min(sorted.length - 1, (int) Math.ceil(q * sorted.length) - 1)]);
    }

    static String loadAverage() {
        try {
            return String.join(" ", Arrays.copyOf(Files.readString(Path.of("/proc/loadavg")).split(" "), 3));
        } catch (IOException e) {
            return "unknown";
        }
    }
}
