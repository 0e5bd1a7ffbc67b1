package dev.osprey.deploy.monitoring;

import dev.osprey.deploy.Repo;
import dev.osprey.deploy.Tree;
import dev.osprey.deploy.Yaml;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import tools.jackson.core.type.TypeReference;
import tools.jackson.databind.json.JsonMapper;

/**
 * The monitoring files of k8s/monitoring, the single source that Compose's Prometheus and Grafana and the
 * kustomization all read: the Grafana dashboard and the Prometheus alerting rules, and the queries in them.
 */
public final class MonitoringFiles {

    private static final Pattern LABEL_VALUES = Pattern.compile("label_values\\((.+),\\s*([a-zA-Z_][a-zA-Z0-9_]*)\\s*\\)", Pattern.DOTALL);

    private MonitoringFiles() {
    }

    public static Path dashboardFile() {
        return Repo.root().resolve("k8s/monitoring/dashboards/osprey-serving.json");
    }

    public static Path alertRulesFile() {
        return Repo.root().resolve("k8s/monitoring/alerts/osprey.rules.yaml");
    }

    /** The dashboard as parsed JSON. */
    public static Map<String, Object> dashboard() {
        return JsonMapper.builder().build().readValue(dashboardFile().toFile(), new TypeReference<>() { });
    }

    /** The rules file as parsed YAML. */
    public static Map<String, Object> alertRules() {
        return Yaml.document(alertRulesFile());
    }

    /** Every alerting rule, in file order. */
    public static List<Map<String, Object>> alerts() {
        return Tree.maps(alertRules(), "groups").stream().flatMap(group -> Tree.maps(group, "rules").stream()).toList();
    }

    /** The dashboard's panels, rows included. */
    public static List<Map<String, Object>> panels() {
        return Tree.maps(dashboard(), "panels");
    }

    /** The dashboard's template variables. */
    public static List<Map<String, Object>> variables() {
        return Tree.maps(dashboard(), "templating", "list");
    }

    /** Every query of the dashboard: the panels' targets, then the query variables' label_values. */
    public static List<MonitoringQuery> dashboardQueries() {
        List<MonitoringQuery> queries = new ArrayList<>();
        for (Map<String, Object> panel : panels()) {
            for (Map<String, Object> target : Tree.maps(panel, "targets")) {
                queries.add(new MonitoringQuery("panel \"" + panel.get("title") + "\" " + target.get("refId"), Tree.string(target, "expr"), null));
            }
        }
        for (Map<String, Object> variable : variables()) {
            if ("query".equals(variable.get("type"))) {
                String query = Tree.string(variable, "query");
                Matcher labelValues = LABEL_VALUES.matcher(query);
                if (!labelValues.matches()) {
                    throw new IllegalArgumentException("variable " + variable.get("name") + ": only label_values(SELECTOR, LABEL) is read here, got " + query);
                }
                queries.add(new MonitoringQuery("variable " + variable.get("name"), labelValues.group(1), labelValues.group(2)));
            }
        }
        return queries;
    }

    /** Every alerting rule's expression. */
    public static List<MonitoringQuery> alertQueries() {
        return alerts().stream().map(rule -> new MonitoringQuery("alert " + rule.get("alert"), Tree.string(rule, "expr"), null)).toList();
    }
}
