package dev.osprey.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.google.protobuf.ByteString;
import dev.osprey.api.v1.AnswerEvent;
import dev.osprey.api.v1.AskRequest;
import dev.osprey.api.v1.Box;
import dev.osprey.api.v1.ImageRef;
import dev.osprey.api.v1.Region;
import dev.osprey.api.v1.RegionServiceGrpc;
import dev.osprey.api.v1.Task;
import dev.osprey.deploy.Repo;
import dev.osprey.deploy.monitoring.MonitoringFiles;
import dev.osprey.deploy.monitoring.MonitoringQuery;
import dev.osprey.deploy.monitoring.PrometheusTools;
import dev.osprey.model.Golden;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The dashboard's and the alerting rules' queries (k8s/monitoring) read what the four real services
 * export: with the local stack up, one question asked over REST and one over gRPC (so the histograms
 * and the gateway's per-call meters have samples) and one bad request of each (so failed calls have
 * series), every service's /actuator/prometheus is scraped, and every selector of every query is held
 * against the scrapes by {@link MonitoringQueryCheck}. A real Prometheus (Debian's, as the deploy
 * module's promtool checks use) scrapes the same services throughout, with the rules loaded: every
 * panel's query returns series there, and every alerting rule evaluates without error.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class MonitoringQueriesIT {

    private static final Duration CALL = Duration.ofSeconds(120);

    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(30)).build();
    private MonitoringQueryCheck check;
    private PrometheusServer prometheus;

    @BeforeAll
    void askAndScrape() throws Exception {
        LocalStack stack = LocalStack.get();
        PrometheusTools tools = PrometheusTools.find();
        if (tools != null) {
            // Scraping before the questions, so that rates have samples from both sides of them.
            prometheus = PrometheusServer.start(tools.server(), LocalStack.SERVICES.stream().map(name -> stack.process(name).actuatorPort).toList(),
                    List.of(MonitoringFiles.alertRulesFile()), Files.createTempDirectory(Repo.work("monitoring-prometheus"), "run"));
        }
        URI gateway = URI.create("http://127.0.0.1:" + stack.process("gateway").httpPort);
        Path image = Golden.file("inputs/images/s1_img0.png");
        HttpResponse<String> uploaded = post(gateway.resolve("/v1/images"), "image/png", HttpRequest.BodyPublishers.ofFile(image));
        assertThat(uploaded.statusCode()).as(uploaded.body()).isEqualTo(200);
        String imageId = JsonMapper.builder().build().readTree(uploaded.body()).get("image_id").asString();

        HttpResponse<String> answered = chat(gateway, "{\"image_id\": \"" + imageId + "\", \"task\": \"short\", \"max_new_tokens\": 4, "
                + "\"regions\": [{\"box\": [1, 1, 9, 9]}]}");
        assertThat(answered.statusCode()).as(answered.body()).isEqualTo(200);
        assertThat(chat(gateway, "{\"image_id\": \"" + imageId + "\", \"task\": \"short\", \"regions\": []}").statusCode()).isEqualTo(400);

        RegionServiceGrpc.RegionServiceBlockingStub regions = RegionServiceGrpc.newBlockingStub(stack.channel("gateway"));
        AskRequest ask = AskRequest.newBuilder().setImage(ImageRef.newBuilder().setImageBytes(ByteString.copyFrom(Files.readAllBytes(image))))
                .addRegions(Region.newBuilder().setBox(Box.newBuilder().setX(1).setY(1).setWidth(9).setHeight(9)))
                .setTask(Task.TASK_SHORT_DESCRIPTION).setMaxNewTokens(4).build();
        Iterator<AnswerEvent> events = regions.withDeadlineAfter(CALL.toSeconds(), TimeUnit.SECONDS).ask(ask);
        events.forEachRemaining(event -> { });
        Iterator<AnswerEvent> refused = regions.withDeadlineAfter(CALL.toSeconds(), TimeUnit.SECONDS).ask(ask.toBuilder().clearRegions().build());
        assertThat(Status.fromThrowable(catchFailure(refused)).getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);

        ExportedMetrics exported = new ExportedMetrics();
        for (String service : LocalStack.SERVICES) {
            exported.add(service, Prometheus.scrape(stack.process(service)).text());
        }
        check = new MonitoringQueryCheck(exported);
    }

    @Test
    void everyDashboardQueryReadsMetricsLabelsAndValuesTheServicesExport() {
        assertNoProblems(MonitoringFiles.dashboardQueries());
    }

    @Test
    void everyAlertReadsMetricsLabelsAndValuesTheServicesExport() {
        assertNoProblems(MonitoringFiles.alertQueries());
    }

    @Test
    void everyPanelQueryReturnsSeriesInPrometheus() {
        assumePrometheus();
        List<MonitoringQuery> panels = MonitoringFiles.dashboardQueries().stream().filter(query -> query.listsLabel() == null).toList();
        // Until the scrapes after the questions are in (one a second).
        await("every panel query returns series").atMost(Duration.ofMinutes(2)).pollInterval(Duration.ofSeconds(2)).untilAsserted(() -> {
            List<String> empty = new ArrayList<>();
            for (MonitoringQuery query : panels) {
                if (prometheus.query(query.asPrometheusReceivesIt()).isEmpty()) {
                    empty.add(query.toString());
                }
            }
            assertThat(empty).as("queries that return nothing").isEmpty();
        });
    }

    @Test
    void everyAlertingRuleEvaluatesInPrometheusWithoutError() {
        assumePrometheus();
        Set<String> alerts = MonitoringFiles.alerts().stream().map(rule -> rule.get("alert").toString()).collect(Collectors.toSet());
        await("every rule evaluated").atMost(Duration.ofMinutes(1)).pollInterval(Duration.ofSeconds(1)).untilAsserted(() -> {
            List<JsonNode> rules = prometheus.rules();
            assertThat(rules).extracting(rule -> rule.path("name").asString()).containsExactlyInAnyOrderElementsOf(alerts);
            for (JsonNode rule : rules) {
                assertThat(rule.path("health").asString()).as("%s: %s", rule.path("name").asString(), rule.path("lastError").asString()).isEqualTo("ok");
            }
        });
    }

    @AfterAll
    void stopPrometheus() {
        if (prometheus != null) {
            prometheus.close();
        }
    }

    private void assumePrometheus() {
        Assumptions.assumeTrue(prometheus != null, "prometheus is not on PATH and Debian's prometheus package cannot be downloaded here"
                + " (apt-get download needs package lists, and apt-get update needs root)");
    }

    private void assertNoProblems(List<MonitoringQuery> queries) {
        assertThat(queries).isNotEmpty();
        assertThat(queries.stream().flatMap(query -> check.problems(query).stream()).toList()).isEmpty();
    }

    private static StatusRuntimeException catchFailure(Iterator<AnswerEvent> events) {
        try {
            events.forEachRemaining(event -> { });
        } catch (StatusRuntimeException e) {
            return e;
        }
        throw new AssertionError("the Ask without regions was answered");
    }

    private HttpResponse<String> chat(URI gateway, String json) throws Exception {
        return post(gateway.resolve("/v1/chat"), "application/json", HttpRequest.BodyPublishers.ofString(json));
    }

    private HttpResponse<String> post(URI uri, String type, HttpRequest.BodyPublisher body) throws Exception {
        return http.send(HttpRequest.newBuilder(uri).header("Content-Type", type).timeout(CALL).POST(body).build(), HttpResponse.BodyHandlers.ofString());
    }
}
