package dev.osprey.deploy.monitoring;

import java.util.List;
import java.util.regex.Pattern;

/**
 * A PromQL expression of the dashboard or the alerting rules, and where it is. A dashboard variable's
 * {@code label_values(SELECTOR, LABEL)} (Grafana's, not PromQL) is kept as its selector, with the label
 * whose values it lists in {@code listsLabel} (null for every other query).
 */
public record MonitoringQuery(String where, String expr, String listsLabel) {

    private static final Pattern GRAFANA_INTERVAL = Pattern.compile("\\$__(rate_interval|interval|range)\\b");
    private static final Pattern GRAFANA_VARIABLE = Pattern.compile("\\$\\{?\\w+}?");

    /** The selectors the expression reads. */
    public List<MetricSelector> selectors() {
        return PromQl.selectors(expr);
    }

    /**
     * The expression as Grafana sends it with every variable at "All" (the dashboard's allValue
     * {@code .*}) and a 5 minute interval: PromQL that Prometheus can parse.
     */
    public String asPrometheusReceivesIt() {
        return GRAFANA_VARIABLE.matcher(GRAFANA_INTERVAL.matcher(expr).replaceAll("5m")).replaceAll(".*");
    }

    @Override
    public String toString() {
        return where + ": " + expr;
    }
}
