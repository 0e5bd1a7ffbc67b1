package dev.osprey.e2e;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The series that services export, read from their Prometheus text exposition: for each sample name
 * ({@code osprey_generate_ttft_seconds_bucket}, {@code jvm_info}, ...) the label sets of its samples, and
 * which services export it.
 */
final class ExportedMetrics {

    private final Map<String, List<Map<String, String>>> series = new LinkedHashMap<>();
    private final Map<String, List<String>> exporters = new LinkedHashMap<>();

    /** Adds one scrape of {@code service}. */
    void add(String service, String exposition) {
        for (String line : exposition.lines().toList()) {
            if (line.isBlank() || line.startsWith("#")) {
                continue;
            }
            int brace = line.indexOf('{');
            int space = line.indexOf(' ');
            boolean labelled = brace >= 0 && brace < space;
            String name = line.substring(0, labelled ? brace : space);
            series.computeIfAbsent(name, n -> new ArrayList<>()).add(labelled ? labels(line, brace + 1) : Map.of());
            List<String> services = exporters.computeIfAbsent(name, n -> new ArrayList<>());
            if (!services.contains(service)) {
                services.add(service);
            }
        }
    }

    /** The label sets of {@code name}'s samples; empty when nobody exports it. */
    List<Map<String, String>> series(String name) {
        return series.getOrDefault(name, List.of());
    }

    /** The services exporting {@code name}. */
    List<String> exporters(String name) {
        return exporters.getOrDefault(name, List.of());
    }

    /** Reads {@code a="x",b="y\"z"}} from {@code start} (just past the brace) to the closing brace; values unescaped. */
    private static Map<String, String> labels(String line, int start) {
        Map<String, String> labels = new LinkedHashMap<>();
        int pos = start;
        while (line.charAt(pos) != '}') {
            int equals = line.indexOf('=', pos);
            String label = line.substring(pos, equals).strip();
            pos = equals + 2; // past ="
            StringBuilder value = new StringBuilder();
            for (char c = line.charAt(pos); c != '"'; c = line.charAt(pos)) {
                if (c == '\\') {
                    char escaped = line.charAt(++pos);
                    value.append(escaped == 'n' ? '\n' : escaped);
                } else {
                    value.append(c);
                }
                pos++;
            }
            labels.put(label, value.toString());
            pos++; // past the closing quote
            if (line.charAt(pos) == ',') {
                pos++;
            }
        }
        return labels;
    }
}
