package dev.osprey.deploy.monitoring;

import static org.assertj.core.api.Assertions.assertThat;

import dev.osprey.deploy.Repo;
import dev.osprey.deploy.Tree;
import dev.osprey.deploy.k8s.Rendered;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * The alerting rules of k8s/monitoring/alerts are well formed (groups of alerts, each with an
 * expression, a duration, a severity and annotations that say what to do), cover what the issue asks
 * for, and reach Kubernetes unchanged as the kustomization's PrometheusRule. (AlertRulesPromtoolTest
 * parses and unit-tests them with promtool; MonitoringQueriesIT checks them against the services.)
 */
class AlertRulesTest {

    private static final Path PROMETHEUS_RULE = Repo.root().resolve("k8s/monitoring/prometheus-rule.yaml");
    private static final Set<String> RULE_FIELDS = Set.of("alert", "expr", "for", "labels", "annotations");

    @Test
    void everyGroupHasANameAndAlertsWithAnExpressionADurationASeverityAndWhatToDo() {
        Map<String, Object> file = MonitoringFiles.alertRules();
        assertThat(file).containsOnlyKeys("groups");
        Set<String> names = new HashSet<>();
        for (Map<String, Object> group : Tree.maps(file, "groups")) {
            assertThat(Tree.string(group, "name")).isNotBlank();
            assertThat(Tree.maps(group, "rules")).as("group %s", group.get("name")).isNotEmpty();
        }
        for (Map<String, Object> rule : MonitoringFiles.alerts()) {
            String alert = Tree.string(rule, "alert");
            assertThat(alert).as("an alerting rule (no recording rules here)").matches("Osprey[A-Z][A-Za-z0-9]+");
            assertThat(names.add(alert)).as("%s defined twice", alert).isTrue();
            assertThat(rule.keySet()).as(alert).isSubsetOf(RULE_FIELDS).containsAll(RULE_FIELDS);
            assertThat(Tree.string(rule, "expr")).as(alert).isNotBlank();
            // Long enough to ride out a single slow scrape or a rollout, short enough to act on.
            assertThat(minutes(Tree.string(rule, "for"))).as("%s for:", alert).isBetween(5, 30);
            assertThat(Tree.map(rule, "labels")).as(alert).containsOnlyKeys("severity");
            assertThat(Tree.string(rule, "labels", "severity")).as(alert).isIn("warning", "critical");
            assertThat(Tree.map(rule, "annotations")).as(alert).containsOnlyKeys("summary", "description");
            assertThat(Tree.string(rule, "annotations", "summary")).as(alert).isNotBlank().doesNotContain("\n");
            assertThat(Tree.string(rule, "annotations", "description")).as("%s says what to do", alert).hasSizeGreaterThan(80);
        }
    }

    @Test
    void coversQueueSaturationTheErrorRatiosAndTimeToFirstToken() {
        Map<String, String> expressions = MonitoringFiles.alerts().stream()
                .collect(Collectors.toMap(rule -> Tree.string(rule, "alert"), rule -> Tree.string(rule, "expr")));
        assertThat(expressions.get("OspreyQueueBacklog")).contains("osprey_queue_depth");
        assertThat(expressions.get("OspreyGenerateQueueFull")).contains("osprey_generate_rejected_total");
        assertThat(expressions.get("OspreyRestErrorRatioHigh")).contains("http_server_requests_seconds_count", "status=~\"5..\"", "/");
        assertThat(expressions.get("OspreyGrpcErrorRatioHigh")).contains("grpc_server_seconds_count", "UNAVAILABLE", "/");
        assertThat(expressions.get("OspreyBackendErrorRatioHigh")).contains("grpc_server_seconds_count", "/");
        assertThat(expressions.get("OspreyTimeToFirstTokenSlow")).contains("histogram_quantile(0.95", "osprey_generate_ttft_seconds_bucket");
        assertThat(expressions.get("OspreyTimeToFirstTokenCritical")).contains("histogram_quantile(0.95", "osprey_generate_ttft_seconds_bucket");
    }

    @Test
    void thePrometheusRuleIsTheRulesFileIndented() throws IOException {
        String expected = prometheusRule();
        if (!expected.equals(Files.readString(PROMETHEUS_RULE))) {
            Path current = Files.writeString(Repo.work("monitoring").resolve("prometheus-rule.yaml"), expected);
            throw new AssertionError(PROMETHEUS_RULE + " differs from " + MonitoringFiles.alertRulesFile() + "; the up-to-date file is "
                    + current + " (copy it over)");
        }
    }

    @Test
    void theMonitoringKustomizationRendersThePrometheusRuleWithTheSameGroups() {
        Map<String, Object> rule = Rendered.of("monitoring").get("PrometheusRule", "osprey-alerts");
        assertThat(Tree.string(rule, "metadata", "namespace")).isEqualTo("monitoring");
        assertThat(Tree.map(rule, "spec")).isEqualTo(MonitoringFiles.alertRules());
    }

    /** The PrometheusRule file as it must be: its own header, then the rules file from `groups:` on under spec. */
    private static String prometheusRule() throws IOException {
        String current = Files.readString(PROMETHEUS_RULE);
        String header = current.substring(0, current.indexOf("\nspec:\n") + "\nspec:\n".length());
        List<String> rules = Files.readAllLines(MonitoringFiles.alertRulesFile());
        int groups = rules.indexOf("groups:");
        assertThat(groups).as("the rules file has a top-level groups: line").isNotNegative();
        StringBuilder text = new StringBuilder(header);
        for (String line : rules.subList(groups, rules.size())) {
            text.append(line.isEmpty() ? "" : "  " + line).append('\n');
        }
        return text.toString();
    }

    private static int minutes(String duration) {
        assertThat(duration).matches("\\d+m");
        return Integer.parseInt(duration.substring(0, duration.length() - 1));
    }
}
