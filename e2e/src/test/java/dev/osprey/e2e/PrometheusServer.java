package dev.osprey.e2e;

import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * A real Prometheus server scraping services every second, with rule files loaded, on a free loopback
 * port and a data folder of its own: the dashboard's queries and the alerting rules run on what it
 * stored, as they do in production.
 */
final class PrometheusServer implements AutoCloseable {

    private static final JsonMapper JSON = JsonMapper.builder().build();
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();

    private final Process process;
    private final URI api;

    private PrometheusServer(Process process, URI api) {
        this.process = process;
        this.api = api;
    }

    /**
     * Starts {@code executable} scraping {@code /actuator/prometheus} on each of {@code actuatorPorts}
     * (127.0.0.1) and evaluating {@code ruleFiles}; returns once it is ready.
     */
    static PrometheusServer start(String executable, List<Integer> actuatorPorts, List<Path> ruleFiles, Path dir) throws Exception {
        List<String> targets = actuatorPorts.stream().map(port -> "127.0.0.1:" + port).toList();
        Map<String, Object> config = Map.of(
                "global", Map.of("scrape_interval", "1s", "evaluation_interval", "1s"),
                "rule_files", ruleFiles.stream().map(Path::toString).toList(),
                "scrape_configs", List.of(Map.of("job_name", "osprey", "metrics_path", "/actuator/prometheus",
                        "static_configs", List.of(Map.of("targets", targets)))));
        // JSON is YAML.
        Path configFile = Files.writeString(dir.resolve("prometheus.yml"), JSON.writeValueAsString(config));
        int port = LocalStack.freePort();
        Process process = new ProcessBuilder(executable, "--config.file=" + configFile, "--storage.tsdb.path=" + dir.resolve("data"),
                "--web.listen-address=127.0.0.1:" + port).redirectErrorStream(true).redirectOutput(dir.resolve("prometheus.log").toFile()).start();
        PrometheusServer server = new PrometheusServer(process, URI.create("http://127.0.0.1:" + port + "/"));
        try {
            await("prometheus ready").atMost(Duration.ofMinutes(1)).pollInterval(Duration.ofMillis(250)).ignoreExceptions()
                    .failFast(() -> !process.isAlive())
                    .until(() -> server.get("-/ready").statusCode() == 200);
        } catch (RuntimeException | AssertionError e) {
            server.close();
            throw new IllegalStateException("prometheus did not start; its log:\n" + Files.readString(dir.resolve("prometheus.log")), e);
        }
        return server;
    }

    /** The series an instant query returns now; fails with Prometheus's message if it cannot evaluate it. */
    List<JsonNode> query(String expr) throws IOException, InterruptedException {
        JsonNode answer = JSON.readTree(get("api/v1/query?query=" + URLEncoder.encode(expr, StandardCharsets.UTF_8)).body());
        if (!"success".equals(answer.path("status").asString())) {
            throw new IllegalArgumentException(expr + ": " + answer.path("error").asString());
        }
        List<JsonNode> series = new ArrayList<>();
        answer.path("data").path("result").forEach(series::add);
        return series;
    }

    /** Every rule of every loaded group, as /api/v1/rules describes it (name, health, lastError, state...). */
    List<JsonNode> rules() throws IOException, InterruptedException {
        List<JsonNode> rules = new ArrayList<>();
        JSON.readTree(get("api/v1/rules").body()).path("data").path("groups").forEach(group -> group.path("rules").forEach(rules::add));
        return rules;
    }

    private HttpResponse<String> get(String path) throws IOException, InterruptedException {
        return HTTP.send(HttpRequest.newBuilder(api.resolve(path)).timeout(Duration.ofSeconds(30)).build(), HttpResponse.BodyHandlers.ofString());
    }

    @Override
    public void close() {
        process.destroy();
        try {
            if (!process.waitFor(30, TimeUnit.SECONDS)) {
                process.destroyForcibly();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            process.destroyForcibly();
        }
    }
}
