package dev.osprey.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import dev.osprey.deploy.monitoring.MonitoringQuery;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The check of MonitoringQueriesIT, on a small exposition: what fits passes, and every kind of misfit is named. */
class MonitoringQueryCheckTest {

    private static final String EXPOSITION = """
            # HELP osprey_cache_requests_total Cache lookups
            # TYPE osprey_cache_requests_total counter
            osprey_cache_requests_total{cache="prefix",result="hit",service="llm-service"} 3.0
            osprey_cache_requests_total{cache="prefix",result="miss",service="llm-service"} 1.0
            osprey_generate_ttft_seconds_bucket{service="llm-service",le="0.5"} 2
            osprey_generate_ttft_seconds_bucket{service="llm-service",le="+Inf"} 2
            http_server_requests_seconds_count{status="200",uri="/v1/chat",note="a \\"quoted\\", {braced} value"} 4
            process_uptime_seconds 12.5
            """;

    private final MonitoringQueryCheck check = new MonitoringQueryCheck(exported());

    @Test
    void aQueryOnExportedNamesLabelsAndValuesPasses() {
        assertThat(problems("sum by (cache) (rate(osprey_cache_requests_total{cache=\"prefix\", result=~\"hit|miss\", instance=~\"$instance\"}[5m]))"
                + " / histogram_quantile(0.9, sum by (le) (rate(osprey_generate_ttft_seconds_bucket{namespace=\"osprey\"}[5m]))) * process_uptime_seconds"))
                .isEmpty();
        assertThat(problems("http_server_requests_seconds_count{status=~\"5..\", note=\"a \\\"quoted\\\", {braced} value\"}")).isEmpty();
    }

    @Test
    void namesAMetricNobodyExportsALabelItLacksAndValuesThatNeverOccur() {
        assertThat(problems("osprey_generate_ttft_seconds{le=\"1\"}")).singleElement().asString().contains("no service exports osprey_generate_ttft_seconds");
        assertThat(problems("osprey_cache_requests_total{queue=\"generate\"}")).singleElement().asString()
                .contains("has no label queue", "[cache, result, service]");
        assertThat(problems("osprey_cache_requests_total{cache=\"features\"}")).singleElement().asString().contains("is never \"features\"", "[prefix]");
        assertThat(problems("http_server_requests_seconds_count{uri=~\"/v2/.*\"}")).singleElement().asString().contains("matches none");
        assertThat(problems("osprey_cache_requests_total{result=~\"hit(\"}")).singleElement().asString().contains("not a regular expression");
    }

    @Test
    void aVariableListsOnlyALabelTheMetricHas() {
        assertThat(check.problems(new MonitoringQuery("variable cache", "osprey_cache_requests_total", "cache"))).isEmpty();
        assertThat(check.problems(new MonitoringQuery("variable queue", "osprey_cache_requests_total", "queue"))).singleElement().asString()
                .contains("a label osprey_cache_requests_total does not have");
    }

    private List<String> problems(String expr) {
        return check.problems(new MonitoringQuery("query", expr, null));
    }

    private static ExportedMetrics exported() {
        ExportedMetrics exported = new ExportedMetrics();
        exported.add("llm-service", EXPOSITION);
        return exported;
    }
}
