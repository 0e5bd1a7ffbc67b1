package dev.osprey.gateway.access;

import static org.assertj.core.api.Assertions.assertThat;

import dev.osprey.gateway.GatewayApplication;
import dev.osprey.gateway.RawHttpConnection;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.springframework.boot.SpringApplication;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.web.reactive.result.method.RequestMappingInfoHandlerMapping;

/**
 * With API keys configured, no spelling of any route reaches a handler without a key: every route
 * (uploads, deletes, chat, segment, describe-all, SSE, the private API docs) under percent-encoded letters, {@code ;params}
 * on each segment, dot segments, double slashes, encoded slashes, case changes and trailing slashes
 * is answered 400 or 401, and the backend every handler would call sees nothing. With a key the
 * encoded spellings that route do reach the backend, so the sweep's requests are real ones.
 */
class AccessSweepTest {

    private static final String KEY = "sweep-key";
    private static final String IMAGE_ID = "ab".repeat(32);

    /** One route of the API and a request that its handler would act on. */
    record Route(String pattern, String method, String path, Map<String, String> headers, String body) {

        @Override
        public String toString() {
            return method + " " + path + " " + headers.getOrDefault("Content-Type", "") + " " + headers.getOrDefault("Accept", "");
        }
    }

    private static final String BOUNDARY = "sweep";
    private static final List<Route> BACKEND_ROUTES = List.of(
            new Route("/v1/images", "POST", "/v1/images", Map.of("Content-Type", "image/png"), "not really a png"),
            new Route("/v1/images", "POST", "/v1/images", Map.of("Content-Type", "multipart/form-data; boundary=" + BOUNDARY),
                    "--" + BOUNDARY + "\r\nContent-Disposition: form-data; name=\"image\"; filename=\"a.png\"\r\nContent-Type: image/png\r\n\r\n"
                            + "not really a png\r\n--" + BOUNDARY + "--\r\n"),
            new Route("/v1/images/{imageId}", "DELETE", "/v1/images/" + IMAGE_ID, Map.of(), ""),
            new Route("/v1/chat", "POST", "/v1/chat", Map.of("Content-Type", "application/json"),
                    "{\"image_id\": \"" + IMAGE_ID + "\", \"prompt\": \"hi\"}"),
            new Route("/v1/chat", "POST", "/v1/chat", Map.of("Content-Type", "application/json", "Accept", "text/event-stream"),
                    "{\"image_id\": \"" + IMAGE_ID + "\", \"prompt\": \"hi\", \"stream\": true}"),
            new Route("/v1/segment", "POST", "/v1/segment", Map.of("Content-Type", "application/json"),
                    "{\"image_id\": \"" + IMAGE_ID + "\", \"points\": [[1, 1, 1]]}"),
            new Route("/v1/describe-all", "POST", "/v1/describe-all", Map.of("Content-Type", "application/json"),
                    "{\"image_id\": \"" + IMAGE_ID + "\"}"),
            new Route("/v1/describe-all", "POST", "/v1/describe-all", Map.of("Content-Type", "application/json", "Accept", "text/event-stream"),
                    "{\"image_id\": \"" + IMAGE_ID + "\", \"stream\": true}"),
            new Route("/v1/chat/completions", "POST", "/v1/chat/completions", Map.of("Content-Type", "application/json"), completion(false)),
            new Route("/v1/chat/completions", "POST", "/v1/chat/completions", Map.of("Content-Type", "application/json"), completion(true)));
    /** Routes a key opens that call no backend. */
    private static final List<Route> LOCAL_ROUTES = List.of(
            new Route("/v1/models", "GET", "/v1/models", Map.of(), ""),
            new Route("/v1/models/{model}", "GET", "/v1/models/osprey-7b", Map.of(), ""));
    private static final List<Route> DOC_ROUTES = List.of(
            new Route("/v3/api-docs", "GET", "/v3/api-docs", Map.of(), ""),
            new Route("/v3/api-docs.yaml", "GET", "/v3/api-docs.yaml", Map.of(), ""),
            new Route("/v3/api-docs/swagger-config", "GET", "/v3/api-docs/swagger-config", Map.of(), ""),
            new Route("/docs", "GET", "/docs", Map.of(), ""),
            new Route("/webjars/swagger-ui/**", "GET", "/webjars/swagger-ui/index.html", Map.of(), ""));

    static CountingBackend backend;
    static ConfigurableApplicationContext app;
    static int port;

    @BeforeAll
    static void start() throws IOException {
        backend = new CountingBackend();
        port = freePort();
        app = SpringApplication.run(GatewayApplication.class, "--server.port=" + port, "--spring.grpc.server.port=" + freePort(),
                "--management.server.port=" + freePort(), "--osprey.gateway.api-keys=" + KEY, "--osprey.gateway.api-docs-private=true",
                "--osprey.gateway.rate-per-second=0", "--osprey.gateway.encoders=" + backend.address(),
                "--osprey.gateway.extractors=" + backend.address(), "--osprey.gateway.llms=" + backend.address());
    }

    @AfterAll
    static void stop() throws InterruptedException {
        app.close();
        backend.close();
    }

    @Test
    void noSpellingOfAnyRouteReachesAHandlerWithoutAKey() throws Exception {
        int before = backend.calls();
        List<String> reached = new ArrayList<>();
        int sent = 0;
        for (Route route : allRoutes()) {
            for (String path : spellings(route.path())) {
                RawHttpConnection.Response response = RawHttp.send(port, route.method(), path, route.headers(), route.body().getBytes(StandardCharsets.UTF_8));
                sent++;
                if (response.status() != 400 && response.status() != 401 || response.body().contains("openapi")) {
                    reached.add(route.method() + " " + path + " -> " + response.status());
                }
            }
        }
        assertThat(sent).isGreaterThan(400);
        assertThat(reached).as("answered other than 400/401 without a key").isEmpty();
        assertThat(backend.calls() - before).as("backend calls made for requests without a key").isZero();
    }

    @Test
    void withTheKeyTheEncodedSpellingsThatRouteDoReachTheHandlers() throws Exception {
        for (Route route : BACKEND_ROUTES) {
            for (String path : routedSpellings(route.path())) {
                int before = backend.calls();
                RawHttpConnection.Response response = RawHttp.send(port, route.method(), path, withKey(route.headers()),
                        route.body().getBytes(StandardCharsets.UTF_8));
                assertThat(backend.calls()).as("%s %s -> %s %s", route.method(), path, response.status(), response.rest())
                        .isGreaterThan(before);
            }
        }
        for (Route route : LOCAL_ROUTES) {
            for (String path : routedSpellings(route.path())) {
                RawHttpConnection.Response response = RawHttp.send(port, route.method(), path, withKey(route.headers()), new byte[0]);
                assertThat(response.status()).as("%s %s", route.method(), path).isEqualTo(200);
            }
        }
        for (Route route : DOC_ROUTES) {
            RawHttpConnection.Response response = RawHttp.send(port, route.method(), route.path(), withKey(route.headers()), new byte[0]);
            assertThat(response.status()).as("%s %s", route.method(), route.path()).isIn(200, 302);
        }
    }

    @Test
    void aPathThatIsNotCanonicalIsRefusedSayingWhy() throws Exception {
        Map<String, String> keyed = withKey(Map.of("Content-Type", "application/json"));
        assertThat(RawHttp.send(port, "POST", "/v1/%2e%2e/v1/chat", keyed, new byte[0]).body())
                .contains("\"code\":\"invalid_argument\"", "request path: it has a dot segment ('%2e%2e')");
        assertThat(RawHttp.send(port, "POST", "/v1//chat", keyed, new byte[0]).body()).contains("it has an empty segment ('//')");
        assertThat(RawHttp.send(port, "POST", "/v1%2Fchat", keyed, new byte[0]).body()).contains("it has an encoded slash");
    }

    @Test
    void everyMappedRouteIsInTheSweep() {
        Set<String> swept = allRoutes().stream().map(Route::pattern).collect(Collectors.toSet());
        Set<String> mapped = new LinkedHashSet<>();
        app.getBeansOfType(RequestMappingInfoHandlerMapping.class).values().forEach(mapping -> mapping.getHandlerMethods().keySet()
                .forEach(info -> info.getPatternsCondition().getPatterns().forEach(p -> mapped.add(p.getPatternString()))));
        assertThat(mapped).isNotEmpty();
        assertThat(swept).containsAll(mapped);
    }

    private static List<Route> allRoutes() {
        List<Route> routes = new ArrayList<>(BACKEND_ROUTES);
        routes.addAll(LOCAL_ROUTES);
        routes.addAll(DOC_ROUTES);
        return routes;
    }

    /** An OpenAI-compatible question about the image of {@link #IMAGE_ID}. */
    private static String completion(boolean stream) {
        return "{\"model\": \"osprey-7b\", \"stream\": " + stream + ", \"messages\": [{\"role\": \"user\", \"content\": [{\"type\":"
                + " \"image_url\", \"image_url\": {\"url\": \"osprey://images/" + IMAGE_ID + "\"}}, {\"type\": \"text\", \"text\": \"hi\"}]}]}";
    }

    private static Map<String, String> withKey(Map<String, String> headers) {
        Map<String, String> keyed = new java.util.LinkedHashMap<>(headers);
        keyed.put("X-API-Key", KEY);
        return keyed;
    }

    /** Spellings of {@code path} that WebFlux routes to the same handler. */
    static List<String> routedSpellings(String path) {
        List<String> segments = List.of(path.substring(1).split("/"));
        List<String> spellings = new ArrayList<>(List.of(path));
        for (int i = 0; i < segments.size(); i++) {
            spellings.add(replace(segments, i, percentEncodeLetters(segments.get(i), false)));
            spellings.add(replace(segments, i, segments.get(i) + ";x=1"));
        }
        return spellings;
    }

    /** Every spelling of {@code path} a client might try: those that route, and those that must be refused. */
    static List<String> spellings(String path) {
        List<String> segments = List.of(path.substring(1).split("/"));
        Set<String> spellings = new LinkedHashSet<>(routedSpellings(path));
        for (int i = 0; i < segments.size(); i++) {
            String segment = segments.get(i);
            spellings.add(replace(segments, i, percentEncodeLetters(segment, true)));
            spellings.add(replace(segments, i, segment + ";"));
            spellings.add(replace(segments, i, segment + ";a=b;c=d"));
            spellings.add(replace(segments, i, segment.toUpperCase(Locale.ROOT)));
            spellings.add(replace(segments, i, segment.substring(0, 1).toUpperCase(Locale.ROOT) + segment.substring(1)));
            for (String prefix : List.of(".", "..", "%2e", "%2E%2E", ".;x=1", "..;", "zz/..", "zz/%2e%2e", "", "zz/.%2e")) {
                spellings.add(replace(segments, i, prefix + "/" + segment));
            }
            spellings.add(replace(segments, i, segment + "/"));
            if (i + 1 < segments.size()) {
                for (String slash : List.of("%2F", "%2f", "%5C", "%5c")) {
                    spellings.add("/" + String.join("/", segments.subList(0, i)) + (i > 0 ? "/" : "") + segment + slash
                            + String.join("/", segments.subList(i + 1, segments.size())));
                }
            }
        }
        for (String suffix : List.of("/", "//", "/.", "/..", ";x=1/", "%2F", "?x=1")) {
            spellings.add(path + suffix);
        }
        spellings.add("/" + path);
        return List.copyOf(spellings);
    }

    private static String replace(List<String> segments, int index, String replacement) {
        List<String> copy = new ArrayList<>(segments);
        copy.set(index, replacement);
        return "/" + String.join("/", copy);
    }

    private static String percentEncodeLetters(String segment, boolean upperHex) {
        HexFormat hex = upperHex ? HexFormat.of().withUpperCase() : HexFormat.of();
        StringBuilder encoded = new StringBuilder();
        for (char c : segment.toCharArray()) {
            encoded.append(Character.isLetter(c) ? "%" + hex.toHexDigits((byte) c) : String.valueOf(c));
        }
        return encoded.toString();
    }

    static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }
}
