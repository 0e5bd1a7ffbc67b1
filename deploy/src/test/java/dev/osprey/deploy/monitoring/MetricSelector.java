package dev.osprey.deploy.monitoring;

import java.util.List;
import java.util.Optional;

/**
 * One vector selector of a PromQL expression: a metric name and its label matchers, as in
 * {@code osprey_queue_depth{queue="generate", instance=~"$instance"}}.
 */
public record MetricSelector(String metric, List<Matcher> matchers) {

    /** {@code label op "value"}, op one of {@code = != =~ !~}; the value unquoted and unescaped. */
    public record Matcher(String label, String op, String value) {

        /** True for {@code =} and {@code =~}: they name values that must occur for the selector to match anything. */
        public boolean positive() {
            return op.equals("=") || op.equals("=~");
        }

        /** True when the value holds a Grafana variable ({@code $name} or {@code ${name}}), known only on the dashboard. */
        public boolean variable() {
            return value.contains("$");
        }

        @Override
        public String toString() {
            return label + op + '"' + value + '"';
        }
    }

    /** The matcher on {@code label}, if the selector has one. */
    public Optional<Matcher> matcher(String label) {
        return matchers.stream().filter(m -> m.label().equals(label)).findFirst();
    }

    @Override
    public String toString() {
        return metric + matchers;
    }
}
