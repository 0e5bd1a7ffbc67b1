package dev.osprey.deploy.monitoring;

import static org.assertj.core.api.Assertions.assertThat;

import dev.osprey.deploy.Tree;
import dev.osprey.deploy.k8s.Rendered;
import java.io.IOException;
import java.nio.file.Files;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * The Grafana dashboard of k8s/monitoring is well formed: valid JSON with unique panel ids on a grid
 * without overlaps, every query on the data source variable and filtered by the namespace, service and
 * instance variables, the panels the operators need, and the same file in the kustomization's ConfigMap.
 * (MonitoringQueriesIT checks each query's metrics and labels against what the running services export.)
 */
class DashboardTest {

    private static final String DATASOURCE = "${datasource}";
    private static final List<String> FILTERS = List.of("namespace", "service", "instance");
    private static final Pattern RANGE = Pattern.compile("\\[([^\\]]*)]");
    private static final Pattern STRING = Pattern.compile("\"(?:[^\"\\\\]|\\\\.)*\"");

    @Test
    void isADashboardWithAUidATitleAndTheOspreyTag() {
        Map<String, Object> dashboard = MonitoringFiles.dashboard();
        assertThat(dashboard).containsEntry("uid", "osprey-serving").containsEntry("title", "Osprey Serving");
        assertThat(Tree.list(dashboard, "tags")).contains("osprey");
        assertThat((Integer) dashboard.get("schemaVersion")).isGreaterThanOrEqualTo(36);
    }

    @Test
    void panelIdsAreUniqueAndPanelsTileTheGridWithoutOverlapping() {
        Set<Object> ids = new HashSet<>();
        Set<String> cells = new HashSet<>();
        for (Map<String, Object> panel : MonitoringFiles.panels()) {
            assertThat(ids.add(panel.get("id"))).as("panel id %s used twice", panel.get("id")).isTrue();
            Map<String, Object> grid = Tree.map(panel, "gridPos");
            int x = (Integer) grid.get("x");
            int y = (Integer) grid.get("y");
            int w = (Integer) grid.get("w");
            int h = (Integer) grid.get("h");
            assertThat(x + w).as("panel %s fits in 24 columns", panel.get("title")).isLessThanOrEqualTo(24);
            for (int row = y; row < y + h; row++) {
                for (int column = x; column < x + w; column++) {
                    assertThat(cells.add(row + ":" + column)).as("panel %s overlaps another at %d:%d", panel.get("title"), row, column).isTrue();
                }
            }
        }
    }

    @Test
    void everyPanelAndQueryReadsTheDataSourceVariableAPrometheusDataSource() {
        Map<String, Object> variable = variable("datasource");
        assertThat(variable).containsEntry("type", "datasource").containsEntry("query", "prometheus");
        for (Map<String, Object> panel : MonitoringFiles.panels()) {
            if ("row".equals(panel.get("type"))) {
                continue;
            }
            assertThat(Tree.string(panel, "datasource", "uid")).as("panel %s", panel.get("title")).isEqualTo(DATASOURCE);
            assertThat(Tree.maps(panel, "targets")).as("panel %s has queries", panel.get("title")).isNotEmpty();
            for (Map<String, Object> target : Tree.maps(panel, "targets")) {
                assertThat(Tree.string(target, "datasource", "uid")).as("panel %s %s", panel.get("title"), target.get("refId")).isEqualTo(DATASOURCE);
            }
        }
        for (String name : FILTERS) {
            assertThat(Tree.string(variable(name), "datasource", "uid")).as("variable %s", name).isEqualTo(DATASOURCE);
        }
    }

    @Test
    void namespaceServiceAndInstanceVariablesOfferAllAndFilterEveryPanelQuery() {
        for (String name : FILTERS) {
            Map<String, Object> variable = variable(name);
            assertThat(variable).containsEntry("type", "query").containsEntry("includeAll", true).containsEntry("multi", true)
                    // Compose's series have no namespace label: "All" must also match a label that is absent.
                    .containsEntry("allValue", ".*");
        }
        for (MonitoringQuery query : MonitoringFiles.dashboardQueries()) {
            if (query.listsLabel() != null) {
                continue;
            }
            for (MetricSelector selector : query.selectors()) {
                for (String name : FILTERS) {
                    assertThat(selector.matcher(name)).as("%s: %s filters by $%s", query.where(), selector.metric(), name)
                            .contains(new MetricSelector.Matcher(name, "=~", "$" + name));
                }
            }
        }
    }

    @Test
    void ratesFollowGrafanasRateIntervalRatherThanAFixedWindow() {
        for (MonitoringQuery query : MonitoringFiles.dashboardQueries()) {
            // Outside strings: a matcher's regular expression has brackets of its own.
            var ranges = RANGE.matcher(STRING.matcher(query.expr()).replaceAll("\"\""));
            while (ranges.find()) {
                assertThat(ranges.group(1)).as(query.toString()).isEqualTo("$__rate_interval");
            }
        }
    }

    @Test
    void hasThePanelsTheIssueAsksFor() {
        assertThat(MonitoringFiles.panels()).extracting(panel -> panel.get("title")).contains("Questions/s", "Errors by code", "Time to first token",
                "Inter-token latency", "Encoder: vision model run", "Extractor: extract call", "Tokens/s", "Queue depths", "Cache hit ratio",
                "Process memory (RSS)", "JVM heap and direct buffers");
    }

    @Test
    void theKustomizationShipsTheSameFileInAConfigMapForGrafanasSidecar() throws IOException {
        Map<String, Object> configMap = Rendered.of("monitoring").get("ConfigMap", "osprey-grafana-dashboard");
        assertThat(Tree.string(configMap, "metadata", "namespace")).isEqualTo("monitoring");
        assertThat(Tree.map(configMap, "metadata", "labels")).containsEntry("grafana_dashboard", "1");
        assertThat(Tree.map(configMap, "data")).containsExactly(Map.entry("osprey-serving.json", Files.readString(MonitoringFiles.dashboardFile())));
    }

    private static Map<String, Object> variable(String name) {
        return MonitoringFiles.variables().stream().filter(v -> name.equals(v.get("name"))).findFirst()
                .orElseThrow(() -> new AssertionError("the dashboard has no variable " + name));
    }
}
