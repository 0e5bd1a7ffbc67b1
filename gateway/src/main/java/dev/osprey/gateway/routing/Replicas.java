package dev.osprey.gateway.routing;

import io.grpc.Status;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.Arrays;
import java.util.List;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The replicas of one backend service. Configured either as a fixed list of host:port addresses, or
 * as {@code dns:///name:port}: every address the name resolves to, as a Kubernetes headless Service
 * lists its ready pods, re-resolved at most every {@code refreshMillis} (the last good answer is kept
 * while DNS fails).
 */
public final class Replicas {

    private static final Logger log = LoggerFactory.getLogger(Replicas.class);

    private final String service;
    private final String dnsName;
    private final int dnsPort;
    private final long refreshMillis;
    private final Function<String, InetAddress[]> resolver;
    private volatile List<String> addresses;
    private volatile long resolvedAt;

    private Replicas(String service, List<String> fixed, String dnsName, int dnsPort, long refreshMillis,
            Function<String, InetAddress[]> resolver) {
        this.service = service;
        this.addresses = fixed;
        this.dnsName = dnsName;
        this.dnsPort = dnsPort;
        this.refreshMillis = refreshMillis;
        this.resolver = resolver;
    }

    /**
     * Replicas from configuration: comma-separated host:port addresses, or one {@code dns:///name:port}.
     *
     * @param service names the backend in errors, e.g. "encoder-service"
     */
    public static Replicas parse(String service, String configured, long refreshMillis) {
        return parse(service, configured, refreshMillis, Replicas::lookup);
    }

    static Replicas parse(String service, String configured, long refreshMillis, Function<String, InetAddress[]> resolver) {
        String value = configured == null ? "" : configured.strip();
        if (value.startsWith("dns:///")) {
            String target = value.substring("dns:///".length());
            int colon = target.lastIndexOf(':');
            if (colon <= 0) {
                throw new IllegalArgumentException(service + " replicas '" + value + "': expected dns:///name:port");
            }
            return new Replicas(service, List.of(), target.substring(0, colon), Integer.parseInt(target.substring(colon + 1)),
                    refreshMillis, resolver);
        }
        List<String> fixed = Arrays.stream(value.split(",")).map(String::strip).filter(s -> !s.isEmpty()).sorted().toList();
        if (fixed.isEmpty()) {
            throw new IllegalArgumentException(service + " replicas are not configured (host:port list or dns:///name:port)");
        }
        return new Replicas(service, fixed, null, 0, refreshMillis, resolver);
    }

    /** The replica that owns {@code imageId}; UNAVAILABLE when there is none. */
    public String owner(String imageId) {
        return ImageAffinity.owner(imageId, current());
    }

    /** All current replicas, sorted; UNAVAILABLE when there is none. */
    public List<String> current() {
        if (dnsName != null && System.currentTimeMillis() - resolvedAt >= refreshMillis) {
            refresh();
        }
        List<String> now = addresses;
        if (now.isEmpty()) {
            throw Status.UNAVAILABLE.withDescription(service + " has no replica: " + dnsName + " resolves to no address")
                    .asRuntimeException();
        }
        return now;
    }

    private synchronized void refresh() {
        if (System.currentTimeMillis() - resolvedAt < refreshMillis) {
            return;
        }
        try {
            addresses = Arrays.stream(resolver.apply(dnsName)).map(this::address).distinct().sorted().toList();
        } catch (RuntimeException e) {
            log.warn("{} replicas: resolving {} failed ({}); keeping {}", service, dnsName, e.getMessage(), addresses);
        }
        resolvedAt = System.currentTimeMillis();
    }

    private String address(InetAddress ip) {
        String host = ip.getHostAddress();
        return (ip instanceof java.net.Inet6Address ? "[" + host + "]" : host) + ":" + dnsPort;
    }

    private static InetAddress[] lookup(String name) {
        try {
            return InetAddress.getAllByName(name);
        } catch (UnknownHostException e) {
            throw new IllegalStateException("unknown host " + name, e);
        }
    }
}
