package dev.osprey.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/** The gateway's native REST API, as the tests of other clients ask it for the answers those clients must get. */
final class NativeApi {

    private static final JsonMapper JSON = JsonMapper.builder().build();

    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(30)).build();
    private final URI gateway;

    NativeApi(URI gateway) {
        this.gateway = gateway;
    }

    /** Uploads an image; its id. */
    String upload(byte[] image) throws Exception {
        JsonNode uploaded = send(HttpRequest.newBuilder(gateway.resolve("/v1/images")).header("Content-Type", "application/octet-stream")
                .POST(HttpRequest.BodyPublishers.ofByteArray(image)));
        return uploaded.get("image_id").asString();
    }

    /** The whole answer of {@code POST /v1/chat} to {@code body} (stream off). */
    JsonNode chat(JsonNode body) throws Exception {
        return send(HttpRequest.newBuilder(gateway.resolve("/v1/chat")).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body.toString())));
    }

    private JsonNode send(HttpRequest.Builder request) throws Exception {
        HttpResponse<String> response = http.send(request.timeout(Duration.ofSeconds(120)).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        return JSON.readTree(response.body());
    }
}
