package dev.osprey.gateway.access;

import java.net.InetSocketAddress;
import org.springframework.core.Ordered;
import org.springframework.web.server.ServerWebExchange;
import org.springframework.web.server.WebFilter;
import org.springframework.web.server.WebFilterChain;
import reactor.core.publisher.Mono;

/** {@link Access} for the REST API ({@code /v1/**}); the demo page, API docs and Actuator stay open. */
public final class AccessWebFilter implements WebFilter, Ordered {

    private final Access access;

    public AccessWebFilter(Access access) {
        this.access = access;
    }

    @Override
    public Mono<Void> filter(ServerWebExchange exchange, WebFilterChain chain) {
        if (!exchange.getRequest().getPath().value().startsWith("/v1/")) {
            return chain.filter(exchange);
        }
        InetSocketAddress remote = exchange.getRequest().getRemoteAddress();
        return Mono.fromRunnable(() -> access.admit(exchange.getRequest().getHeaders().getFirst("Authorization"),
                        exchange.getRequest().getHeaders().getFirst("X-API-Key"),
                        remote == null ? "unknown" : remote.getAddress().getHostAddress()))
                .then(chain.filter(exchange));
    }

    @Override
    public int getOrder() {
        return Ordered.HIGHEST_PRECEDENCE + 1;
    }
}
