package dev.osprey.deploy.monitoring;

import static org.assertj.core.api.Assertions.assertThat;

import dev.osprey.deploy.Command;
import dev.osprey.deploy.Repo;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.json.JsonMapper;

/**
 * promtool, with Prometheus's own parser, accepts the alerting rules and every query of the dashboard,
 * and the alerts' unit tests pass (deploy/src/test/resources/monitoring/osprey.rules.test.yaml: each
 * alert fires on the series that should raise it, after its {@code for:}, and not on healthy ones).
 */
class AlertRulesPromtoolTest {

    private static PrometheusTools prometheus;
    private static Path work;

    @BeforeAll
    static void findPromtool() {
        prometheus = PrometheusTools.find();
        Assumptions.assumeTrue(prometheus != null, "promtool is not on PATH and Debian's prometheus package cannot be downloaded here (apt-get"
                + " download needs package lists, and apt-get update needs root)");
        work = Repo.work("promtool-check");
    }

    @Test
    void checkRulesAcceptsTheRulesFile() {
        Command check = prometheus.promtool(work, "check", "rules", MonitoringFiles.alertRulesFile().toString());
        assertThat(check.exitCode()).as(check.output()).isZero();
        assertThat(check.output()).contains("SUCCESS: " + MonitoringFiles.alerts().size() + " rules found");
    }

    @Test
    void theAlertsUnitTestsPass() throws IOException {
        Path tests = Files.createDirectories(work.resolve("unit-tests"));
        Files.copy(MonitoringFiles.alertRulesFile(), tests.resolve("osprey.rules.yaml"), StandardCopyOption.REPLACE_EXISTING);
        Files.copy(Repo.root().resolve("deploy/src/test/resources/monitoring/osprey.rules.test.yaml"), tests.resolve("osprey.rules.test.yaml"),
                StandardCopyOption.REPLACE_EXISTING);
        Command test = prometheus.promtool(tests, "test", "rules", "osprey.rules.test.yaml");
        assertThat(test.exitCode()).as(test.output()).isZero();
        assertThat(test.output()).contains("SUCCESS");
    }

    @Test
    void everyDashboardQueryParsesAsPrometheusReceivesIt() throws IOException {
        // promtool parses rule files: each query becomes a recording rule (Grafana's variables filled in as with "All").
        List<MonitoringQuery> queries = MonitoringFiles.dashboardQueries();
        List<Map<String, Object>> rules = queries.stream().map(query -> {
            Map<String, Object> rule = new LinkedHashMap<>();
            rule.put("record", "dashboard:query");
            rule.put("expr", query.asPrometheusReceivesIt());
            return rule;
        }).toList();
        // JSON is YAML: no YAML writer needed.
        Path file = Files.writeString(work.resolve("dashboard-queries.rules.json"),
                JsonMapper.builder().build().writeValueAsString(Map.of("groups", List.of(Map.of("name", "dashboard", "rules", rules)))));
        Command check = prometheus.promtool(work, "check", "rules", "--lint=none", file.toString());
        assertThat(check.exitCode()).as(check.output()).isZero();
        assertThat(check.output()).contains("SUCCESS: " + queries.size() + " rules found");
    }

    @Test
    void theCheckRejectsABrokenExpression() throws IOException {
        Path broken = Files.writeString(work.resolve("broken.rules.yaml"), Files.readString(MonitoringFiles.alertRulesFile())
                .replaceFirst("osprey_queue_depth\\)", "osprey_queue_depth"));
        Command check = prometheus.promtool(work, "check", "rules", broken.toString());
        assertThat(check.exitCode()).isNotZero();
        assertThat(check.output()).contains("OspreyQueueBacklog");
    }
}
