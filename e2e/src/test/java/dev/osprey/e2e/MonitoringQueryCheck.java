package dev.osprey.e2e;

import dev.osprey.deploy.monitoring.MetricSelector;
import dev.osprey.deploy.monitoring.MonitoringQuery;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * Holds a dashboard or alert query against the series the services really export: each metric it reads
 * is exported (under the sample name Prometheus stores: {@code _bucket}, {@code _count}, {@code _sum},
 * {@code _total} included), each label it matches on is a label of that metric, each fixed value it asks
 * for with {@code =} occurs, and each fixed {@code =~} matches a value that occurs. Labels that the scrape
 * adds (not the service) are taken as they are, and so are the failure values of outcome labels (an HTTP
 * status or gRPC code occurs only once such a call has failed).
 */
final class MonitoringQueryCheck {

    /** Added by Prometheus to every series (job, instance) and by the Kubernetes pod scrape (namespace, pod). */
    static final Set<String> TARGET_LABELS = Set.of("job", "instance", "namespace", "pod");
    /** Labels whose values name a call's outcome. */
    static final Set<String> OUTCOME_LABELS = Set.of("status", "grpc_status_code");

    private final ExportedMetrics exported;

    MonitoringQueryCheck(ExportedMetrics exported) {
        this.exported = exported;
    }

    /** What in {@code query} does not fit the exported series; empty when everything does. */
    List<String> problems(MonitoringQuery query) {
        List<String> problems = new ArrayList<>();
        List<MetricSelector> selectors = query.selectors();
        for (MetricSelector selector : selectors) {
            List<Map<String, String>> series = exported.series(selector.metric());
            if (series.isEmpty()) {
                problems.add(query.where() + ": no service exports " + selector.metric());
                continue;
            }
            for (MetricSelector.Matcher matcher : selector.matchers()) {
                String problem = problem(selector.metric(), series, matcher);
                if (problem != null) {
                    problems.add(query.where() + ": " + problem);
                }
            }
            if (query.listsLabel() != null && !TARGET_LABELS.contains(query.listsLabel()) && values(series, query.listsLabel()).isEmpty()) {
                problems.add(query.where() + ": lists the values of " + query.listsLabel() + ", a label " + selector.metric() + " does not have");
            }
        }
        return problems;
    }

    private String problem(String metric, List<Map<String, String>> series, MetricSelector.Matcher matcher) {
        String label = matcher.label();
        if (label.equals("__name__") || TARGET_LABELS.contains(label)) {
            return null;
        }
        Set<String> values = values(series, label);
        if (values.isEmpty()) {
            return metric + " (exported by " + exported.exporters(metric) + ") has no label " + label + "; its labels: " + labels(series);
        }
        if (matcher.variable() || !matcher.positive()) {
            return null;
        }
        if (matcher.op().equals("=")) {
            return values.contains(matcher.value()) ? null : metric + "{" + matcher + "}: " + label + " is never \"" + matcher.value()
                    + "\"; its values: " + values;
        }
        Pattern regex;
        try {
            // PromQL anchors its regular expressions at both ends, as matches() does.
            regex = Pattern.compile(matcher.value());
        } catch (PatternSyntaxException e) {
            return metric + "{" + matcher + "}: not a regular expression (" + e.getDescription() + ")";
        }
        if (OUTCOME_LABELS.contains(label) || values.stream().anyMatch(value -> regex.matcher(value).matches())) {
            return null;
        }
        return metric + "{" + matcher + "}: matches none of " + label + "'s values " + values;
    }

    private static Set<String> values(List<Map<String, String>> series, String label) {
        Set<String> values = new TreeSet<>();
        series.stream().map(labels -> labels.get(label)).filter(Objects::nonNull).forEach(values::add);
        return values;
    }

    private static Set<String> labels(List<Map<String, String>> series) {
        Set<String> labels = new TreeSet<>();
        series.forEach(labelSet -> labels.addAll(labelSet.keySet()));
        return labels;
    }
}
