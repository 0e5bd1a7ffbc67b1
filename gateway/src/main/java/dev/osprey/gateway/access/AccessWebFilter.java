package dev.osprey.gateway.access;

import dev.osprey.model.error.OspreyException;
import java.net.InetSocketAddress;
import org.springframework.core.Ordered;
import org.springframework.http.server.PathContainer;
import org.springframework.http.server.reactive.ServerHttpRequest;
import org.springframework.web.server.ServerWebExchange;
import org.springframework.web.server.WebFilter;
import org.springframework.web.server.WebFilterChain;
import reactor.core.publisher.Mono;

/**
 * {@link Access} for every HTTP request on the public port, default deny: a path that is not
 * canonical is refused (400); the {@link OpenRoutes} pass; every other request is admitted by
 * {@link Access} (key and rate limit), whatever it routes to, and carries its {@link Tenant} to the
 * handler. Paths are read as routing reads them, so no spelling of a route can skip the check.
 */
public final class AccessWebFilter implements WebFilter, Ordered {

    private static final String TENANT = Tenant.class.getName();

    private final Access access;
    private final OpenRoutes open;

    /** @param apiDocsPrivate whether the OpenAPI document and its UI need a key too */
    public AccessWebFilter(Access access, boolean apiDocsPrivate) {
        this.access = access;
        this.open = new OpenRoutes(apiDocsPrivate);
    }

    /**
     * The tenant this filter admitted {@code exchange} as. Handlers of the API ask for it, so a route
     * the filter did not admit fails rather than run unchecked.
     */
    public static Tenant tenant(ServerWebExchange exchange) {
        Tenant tenant = exchange.getAttribute(TENANT);
        if (tenant == null) {
            throw new IllegalStateException("no access check admitted " + exchange.getRequest().getPath());
        }
        return tenant;
    }

    @Override
    public Mono<Void> filter(ServerWebExchange exchange, WebFilterChain chain) {
        return Mono.defer(() -> {
            ServerHttpRequest request = exchange.getRequest();
            PathContainer path = request.getPath().pathWithinApplication();
            String problem = RoutePaths.problem(path);
            if (problem != null) {
                throw OspreyException.badInput("request path: " + problem + "; write it without dot segments, empty segments"
                        + " or encoded slashes");
            }
            if (!open.isOpen(request.getMethod(), path)) {
                InetSocketAddress remote = request.getRemoteAddress();
                exchange.getAttributes().put(TENANT, access.admit(request.getHeaders().getFirst("Authorization"),
                        request.getHeaders().getFirst("X-API-Key"), remote == null ? "unknown" : remote.getAddress().getHostAddress()));
            }
            return chain.filter(exchange);
        });
    }

    @Override
    public int getOrder() {
        return Ordered.HIGHEST_PRECEDENCE + 1;
    }
}
