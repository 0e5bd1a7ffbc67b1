package dev.osprey.gateway.access;

import java.util.ArrayList;
import java.util.List;
import org.springframework.http.HttpMethod;
import org.springframework.http.server.PathContainer;
import org.springframework.web.util.pattern.PathPattern;
import org.springframework.web.util.pattern.PathPatternParser;

/**
 * The few routes anyone may read without an API key (GET and HEAD only): the demo page and its
 * assets, and the API docs unless they are private. Everything else needs a key when keys are
 * configured. Matched with the patterns WebFlux routing uses, on the same decoded path, and none of
 * these patterns overlaps an API route.
 */
final class OpenRoutes {

    private static final List<String> DEMO = List.of("/", "/index.html", "/demo.css", "/js/*.js");
    private static final List<String> API_DOCS = List.of("/docs", "/v3/api-docs", "/v3/api-docs.yaml", "/v3/api-docs/swagger-config",
            "/webjars/swagger-ui/**");

    private final List<PathPattern> patterns = new ArrayList<>();

    /** @param apiDocsPrivate whether the OpenAPI document and its UI need a key too */
    OpenRoutes(boolean apiDocsPrivate) {
        PathPatternParser parser = PathPatternParser.defaultInstance;
        DEMO.forEach(pattern -> patterns.add(parser.parse(pattern)));
        if (!apiDocsPrivate) {
            API_DOCS.forEach(pattern -> patterns.add(parser.parse(pattern)));
        }
    }

    boolean isOpen(HttpMethod method, PathContainer path) {
        return (HttpMethod.GET.equals(method) || HttpMethod.HEAD.equals(method)) && patterns.stream().anyMatch(p -> p.matches(path));
    }
}
