package dev.osprey.deploy.compose;

import static org.assertj.core.api.Assertions.assertThat;

import dev.osprey.deploy.Repo;
import dev.osprey.deploy.Tree;
import dev.osprey.deploy.Yaml;
import java.nio.file.FileSystems;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * docker-compose.yml's Prometheus evaluates the alerting rules of k8s/monitoring, and its Grafana (profile
 * grafana) provisions the dashboard of k8s/monitoring on that Prometheus: the mounts, the paths inside
 * the containers and the provisioning files agree.
 */
class ComposeMonitoringTest {

    private final ComposeFile compose = ComposeFile.read(Repo.root().resolve("docker-compose.yml"));

    @Test
    void prometheusLoadsTheAlertingRulesOfK8sMonitoring() {
        String container = mountTarget("prometheus", "./k8s/monitoring/alerts");
        Map<String, Object> config = Yaml.document(Repo.root().resolve("deploy/prometheus/prometheus.yml"));
        List<Object> ruleFiles = Tree.list(config, "rule_files");
        assertThat(ruleFiles).hasSize(1);
        // The glob, resolved in the container, selects the rules file and nothing else of the folder.
        Path pattern = Path.of(ruleFiles.getFirst().toString());
        assertThat(pattern.getParent()).isEqualTo(Path.of(container));
        var glob = FileSystems.getDefault().getPathMatcher("glob:" + pattern.getFileName());
        assertThat(glob.matches(Path.of("osprey.rules.yaml"))).isTrue();
        assertThat(Repo.root().resolve("k8s/monitoring/alerts/osprey.rules.yaml")).isRegularFile();
    }

    @Test
    void grafanaIsOptionalPinnedAndOnTheHostsLoopbackOnly() {
        assertThat(compose.strings("grafana", "profiles")).containsExactly("grafana");
        assertThat(compose.string("grafana", "image")).matches("grafana/grafana:\\d+\\.\\d+\\.\\d+");
        assertThat(compose.strings("grafana", "ports")).containsExactly("127.0.0.1:3000:3000");
        assertThat(Tree.string(compose.service("grafana"), "depends_on", "prometheus", "condition")).isEqualTo("service_healthy");
        assertThat(compose.strings("grafana", "volumes")).contains("grafana-data:/var/lib/grafana");
        assertThat(Tree.map(compose.content(), "volumes")).containsKey("grafana-data");
        assertThat(compose.string("grafana", "environment", "GF_SECURITY_ADMIN_PASSWORD")).isEqualTo("admin");
    }

    @Test
    void grafanaProvisionsTheDashboardFolderOnTheStacksPrometheus() {
        String provisioning = mountTarget("grafana", "./deploy/grafana/provisioning");
        assertThat(provisioning).isEqualTo("/etc/grafana/provisioning");
        String dashboards = mountTarget("grafana", "./k8s/monitoring/dashboards");
        Path files = Repo.root().resolve("deploy/grafana/provisioning");

        Map<String, Object> provider = Tree.maps(Yaml.document(files.resolve("dashboards/osprey.yaml")), "providers").getFirst();
        assertThat(provider).containsEntry("type", "file");
        assertThat(Tree.string(provider, "options", "path")).isEqualTo(dashboards);

        Map<String, Object> datasource = Tree.maps(Yaml.document(files.resolve("datasources/prometheus.yaml")), "datasources").getFirst();
        assertThat(datasource).containsEntry("type", "prometheus").containsEntry("isDefault", true);
        String prometheusPort = compose.strings("prometheus", "ports").getFirst().replaceAll(".*:", "");
        assertThat(datasource).containsEntry("url", "http://prometheus:" + prometheusPort);
    }

    /** Where {@code service} mounts {@code source} (read-only, as every configuration mount here is). */
    private String mountTarget(String service, String source) {
        return compose.strings(service, "volumes").stream().filter(volume -> volume.startsWith(source + ":")).findFirst()
                .map(volume -> {
                    assertThat(volume).as(service + " mounts " + source + " read-only").endsWith(":ro");
                    return volume.substring(source.length() + 1, volume.length() - ":ro".length());
                })
                .orElseThrow(() -> new AssertionError(service + " does not mount " + source));
    }
}
