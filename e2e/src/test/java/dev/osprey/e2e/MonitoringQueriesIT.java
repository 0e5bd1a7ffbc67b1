package dev.osprey.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import dev.osprey.api.v1.AnswerEvent;
import dev.osprey.api.v1.AskRequest;
import dev.osprey.api.v1.Box;
import dev.osprey.api.v1.ImageRef;
import dev.osprey.api.v1.Region;
import dev.osprey.api.v1.RegionServiceGrpc;
import dev.osprey.api.v1.Task;
import dev.osprey.deploy.monitoring.MonitoringFiles;
import dev.osprey.deploy.monitoring.MonitoringQuery;
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
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import tools.jackson.databind.json.JsonMapper;

/**
 * The dashboard's and the alerting rules' queries (k8s/monitoring) read what the four real services
 * export: with the local stack up, one question asked over REST and one over gRPC (so the histograms
 * and the gateway's per-call meters have samples) and one bad request of each (so failed calls have
 * series), every service's /actuator/prometheus is scraped, and every selector of every query is held
 * against the scrapes by {@link MonitoringQueryCheck}.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class MonitoringQueriesIT {

    private static final Duration CALL = Duration.ofSeconds(120);

    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(30)).build();
    private MonitoringQueryCheck check;

    @BeforeAll
    void askAndScrape() throws Exception {
        LocalStack stack = LocalStack.get();
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
