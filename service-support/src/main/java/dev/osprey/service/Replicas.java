package dev.osprey.service;

import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.Arrays;
import java.util.List;
import java.util.function.Function;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The replicas of one backend service. Configured either as a fixed list of host:port addresses, or
 * as {@code dns:///name:port}: every address the name resolves to, as a Kubernetes headless Service
 * lists its ready pods, re-resolved at most every {@code refreshMillis} (the last good answer is kept
 * while DNS fails). The gateway routes each image to one of them; extractor and llm-service accept
 * only these as the encoder a request names.
 */
public final class Replicas {

    private static final Logger log = LoggerFactory.getLogger(Replicas.class);
    // An address not in the list may be a replica that DNS lists since our last look: look again, but
    // no more often than this, so that requests naming made-up addresses cannot drive lookups.
    private static final long RECHECK_MILLIS = 1000;

    private final String service;
    private final String dnsName;
    private final int dnsPort;
    private final long refreshMillis;
    private final Function<String, InetAddress[]> resolver;
    private final LongSupplier millis;
    private volatile List<String> addresses;
    private volatile long resolvedAt;

    private Replicas(String service, List<String> fixed, String dnsName, int dnsPort, long refreshMillis,
            Function<String, InetAddress[]> resolver, LongSupplier millis) {
        this.service = service;
        this.addresses = fixed;
        this.dnsName = dnsName;
        this.dnsPort = dnsPort;
        this.refreshMillis = refreshMillis;
        this.resolver = resolver;
        this.millis = millis;
    }

    /**
     * Replicas from configuration: comma-separated host:port addresses, or one {@code dns:///name:port}.
     *
     * @param service names the backend in errors, e.g. "encoder-service"
     */
    public static Replicas parse(String service, String configured, long refreshMillis) {
        return parse(service, configured, refreshMillis, Replicas::lookup, System::currentTimeMillis);
    }

    static Replicas parse(String service, String configured, long refreshMillis, Function<String, InetAddress[]> resolver,
            LongSupplier millis) {
        String value = configured == null ? "" : configured.strip();
        if (value.startsWith("dns:///")) {
            String target = value.substring("dns:///".length());
            int colon = target.lastIndexOf(':');
            if (colon <= 0) {
                throw new IllegalArgumentException(service + " replicas '" + value + "': expected dns:///name:port");
            }
            return new Replicas(service, List.of(), target.substring(0, colon), Integer.parseInt(target.substring(colon + 1)),
                    refreshMillis, resolver, millis);
        }
        List<String> fixed = Arrays.stream(value.split(",")).map(String::strip).filter(s -> !s.isEmpty()).sorted().toList();
        if (fixed.isEmpty()) {
            throw new IllegalArgumentException(service + " replicas are not configured (host:port list or dns:///name:port)");
        }
        return new Replicas(service, fixed, null, 0, refreshMillis, resolver, millis);
    }

    /** All current replicas, sorted; UNAVAILABLE when there is none. */
    public List<String> current() {
        if (dnsName != null && millis.getAsLong() - resolvedAt >= refreshMillis) {
            refresh(refreshMillis);
        }
        List<String> now = addresses;
        if (now.isEmpty()) {
            throw new ServiceException(ErrorReason.UNAVAILABLE, service, service + " has no replica: " + dnsName
                    + " resolves to no address", null);
        }
        return now;
    }

    /** Whether {@code address} (host:port, as {@link #current} lists it) is one of the replicas; never connects to it. */
    public boolean contains(String address) {
        if (addresses.contains(address)) {
            return true;
        }
        if (dnsName == null) {
            return false;
        }
        refresh(Math.min(refreshMillis, RECHECK_MILLIS));
        return addresses.contains(address);
    }

    private synchronized void refresh(long maxAgeMillis) {
        if (millis.getAsLong() - resolvedAt < maxAgeMillis) {
            return;
        }
        try {
            addresses = Arrays.stream(resolver.apply(dnsName)).map(this::address).distinct().sorted().toList();
        } catch (RuntimeException e) {
            log.warn("{} replicas: resolving {} failed ({}); keeping {}", service, dnsName, e.getMessage(), addresses);
        }
        resolvedAt = millis.getAsLong();
    }

    private String address(InetAddress ip) {
        String host = ip.getHostAddress();
        return (ip instanceof Inet6Address ? "[" + host + "]" : host) + ":" + dnsPort;
    }

    private static InetAddress[] lookup(String name) {
        try {
            return InetAddress.getAllByName(name);
        } catch (UnknownHostException e) {
            throw new IllegalStateException("unknown host " + name, e);
        }
    }
}
