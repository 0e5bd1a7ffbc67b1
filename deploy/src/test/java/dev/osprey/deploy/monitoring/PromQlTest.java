package dev.osprey.deploy.monitoring;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.osprey.deploy.monitoring.MetricSelector.Matcher;
import java.util.List;
import org.junit.jupiter.api.Test;

class PromQlTest {

    @Test
    void findsTheSelectorsOfAQuantileOverARateWithTheirMatchers() {
        List<MetricSelector> selectors = PromQl.selectors("histogram_quantile(0.95, sum by (namespace, le) "
                + "(rate(osprey_generate_ttft_seconds_bucket{namespace=~\"$namespace\", le!=\"\"}[$__rate_interval])))");

        assertThat(selectors).containsExactly(new MetricSelector("osprey_generate_ttft_seconds_bucket",
                List.of(new Matcher("namespace", "=~", "$namespace"), new Matcher("le", "!=", ""))));
    }

    @Test
    void skipsFunctionsAggregationsKeywordsLabelListsRangesAndNumbers() {
        String expr = """
                sum without (instance) (rate(a_total{x="1"}[5m:30s] offset 1h30m)) # a comment naming not_a_metric
                  / on (namespace) group_left (pod) max(b) > bool 1.5e-3
                  and topk(3, c) unless d @ start() or count_values("value", e) + 0x1f * Inf - NaN
                """;

        assertThat(PromQl.selectors(expr)).extracting(MetricSelector::metric).containsExactly("a_total", "b", "c", "d", "e");
    }

    @Test
    void anAggregationWithItsGroupingAfterItsArgumentAndANameInsideTheBraces() {
        assertThat(PromQl.selectors("sum(rate(x_total[1m])) by (le) + {__name__=\"y\", job=\"j\"}"))
                .containsExactly(new MetricSelector("x_total", List.of()),
                        new MetricSelector("y", List.of(new Matcher("__name__", "=", "y"), new Matcher("job", "=", "j"))));
    }

    @Test
    void readsEveryQuoteAndEscapeInMatcherValues() {
        assertThat(PromQl.selectors("m{a=\"x\\\"y\", b='z', c=`\\d+`, d=~\"[45]..\",}").getFirst().matchers()).containsExactly(
                new Matcher("a", "=", "x\"y"), new Matcher("b", "=", "z"), new Matcher("c", "=", "\\d+"), new Matcher("d", "=~", "[45].."));
    }

    @Test
    void failsOnWhatItCannotReadRatherThanMissASelector() {
        assertThatThrownBy(() -> PromQl.selectors("sum(rate(x[5m])")).hasMessageContaining("not closed");
        assertThatThrownBy(() -> PromQl.selectors("x{a=\"b\"")).hasMessageContaining("ends too early");
        assertThatThrownBy(() -> PromQl.selectors("x{a \"b\"}")).hasMessageContaining("matcher operator");
        assertThatThrownBy(() -> PromQl.selectors("{\"utf8.name\"}")).hasMessageContaining("label name expected");
        assertThatThrownBy(() -> PromQl.selectors("x ; y")).hasMessageContaining("unexpected ';'");
        assertThatThrownBy(() -> PromQl.selectors("{job=\"a\"}")).hasMessageContaining("without a metric name");
    }

    @Test
    void grafanaVariablesBecomeWhatPrometheusReceivesWithAllSelected() {
        MonitoringQuery query = new MonitoringQuery("panel", "rate(x{a=~\"$a\", b=~\"${b}\"}[$__rate_interval])", null);

        assertThat(query.asPrometheusReceivesIt()).isEqualTo("rate(x{a=~\".*\", b=~\".*\"}[5m])");
        assertThat(query.selectors().getFirst().matcher("a")).get().matches(Matcher::variable);
    }
}
