package dev.osprey.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;

/** One scrape of a service's {@code /actuator/prometheus}: the sums of its samples by name and labels. */
final class Prometheus {

    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(30)).build();

    private final String service;
    private final String text;

    private Prometheus(String service, String text) {
        this.service = service;
        this.text = text;
    }

    /** Scrapes {@code process} now (a generous timeout: the machine may be busy). */
    static Prometheus scrape(ServiceProcess process) throws IOException, InterruptedException {
        HttpResponse<String> response = HTTP.send(HttpRequest.newBuilder(
                        URI.create("http://127.0.0.1:" + process.actuatorPort + "/actuator/prometheus")).timeout(Duration.ofSeconds(60)).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).as("%s /actuator/prometheus", process.name).isEqualTo(200);
        return new Prometheus(process.name, response.body());
    }

    /** The sum of the samples of {@code name} whose labels contain all of {@code labels}; fails if there are none. */
    double sum(String name, String... labels) {
        assertThat(samples(name, labels)).as("%s exposes %s %s", service, name, List.of(labels)).isNotEmpty();
        return sumOrZero(name, labels);
    }

    /** As {@link #sum}, but 0 when there is no such sample (a meter registered on first use). */
    double sumOrZero(String name, String... labels) {
        double sum = 0;
        for (String line : samples(name, labels)) {
            sum += Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
        }
        return sum;
    }

    String text() {
        return text;
    }

    /** The sample lines of {@code name} whose labels contain all of {@code labels}. */
    List<String> samples(String name, String... labels) {
        return text.lines().filter(line -> line.startsWith(name + "{") || line.startsWith(name + " "))
                .filter(line -> List.of(labels).stream().allMatch(line::contains)).toList();
    }
}
