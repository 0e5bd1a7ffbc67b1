package dev.osprey.model.bench;

import dev.osprey.model.error.OspreyException;
import dev.osprey.model.error.Reason;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * An ONNX Runtime profile (the JSON trace a session writes with profiling on), read as per-run op
 * tables: which operator types a run spent its time in.
 */
public final class OrtProfile {

    /** One operator type's share of the runs it was summed over: microseconds per run and nodes per run. */
    public record OpTime(String op, double microsPerRun, double nodesPerRun, double share) {
    }

    /** A session run: its span and the kernel events inside it. */
    private record Run(long start, long end, List<JsonNode> kernels) {
    }

    private final List<Run> runs;

    private OrtProfile(List<Run> runs) {
        this.runs = runs;
    }

    /** Reads a profile file. */
    public static OrtProfile read(Path file) {
        JsonNode events;
        try {
            events = JsonMapper.builder().build().readTree(file.toFile());
        } catch (RuntimeException e) {
            throw new OspreyException(Reason.INTERNAL, "cannot read the profile " + file + ": " + e.getMessage(), e);
        }
        List<Run> runs = new ArrayList<>();
        for (JsonNode e : events) {
            if ("model_run".equals(e.path("name").asString())) {
                long ts = e.path("ts").asLong();
                runs.add(new Run(ts, ts + e.path("dur").asLong(), new ArrayList<>()));
            }
        }
        for (JsonNode e : events) {
            if ("Node".equals(e.path("cat").asString()) && e.path("name").asString().endsWith("_kernel_time")) {
                long ts = e.path("ts").asLong();
                runs.stream().filter(r -> ts >= r.start && ts <= r.end).findFirst().ifPresent(r -> r.kernels.add(e));
            }
        }
        return new OrtProfile(runs);
    }

    /** Runs recorded. */
    public int runs() {
        return runs.size();
    }

    /** Mean wall time in ms of runs [from, to). */
    public double runMillis(int from, int to) {
        return runs.subList(from, to).stream().mapToLong(r -> r.end - r.start).average().orElse(0) / 1e3;
    }

    /** Per operator type, time per run over runs [from, to), largest first. */
    public List<OpTime> opTable(int from, int to) {
        Map<String, long[]> byOp = new LinkedHashMap<>();
        long total = 0;
        for (Run run : runs.subList(from, to)) {
            for (JsonNode k : run.kernels) {
                long[] acc = byOp.computeIfAbsent(k.path("args").path("op_name").asString(), op -> new long[2]);
                long dur = k.path("dur").asLong();
                acc[0] += dur;
                acc[1]++;
                total += dur;
            }
        }
        int n = to - from;
        long sum = total;
        return byOp.entrySet().stream()
                .map(e -> new OpTime(e.getKey(), e.getValue()[0] / (double) n, e.getValue()[1] / (double) n,
                        sum == 0 ? 0 : e.getValue()[0] / (double) sum))
                .sorted(Comparator.comparingDouble(OpTime::microsPerRun).reversed())
                .toList();
    }
}
