package dev.osprey.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.osprey.model.TinyBundle;
import dev.osprey.service.InternalToken;
import io.grpc.CompositeChannelCredentials;
import io.grpc.InsecureChannelCredentials;
import io.grpc.ManagedChannel;
import io.grpc.StatusRuntimeException;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse;
import io.grpc.health.v1.HealthGrpc;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * The four services as separate processes on free loopback ports, wired as {@code bin/osprey-stack}
 * wires them (a random internal token in a file only we can read, uploads in a folder of its own), on
 * the tiny bundle with the tiny Segment Anything model in it: started once per test JVM (they take a while to boot on two cores) and stopped when
 * it exits; or, for a test that needs other gateway settings or kills services at will, a stack of its
 * own ({@link #startOwn}). The channels here carry the token. Extractor and llm-service also accept
 * {@link #spareEncoderGrpcPort} as an encoder replica, for tests that start a second encoder.
 */
final class LocalStack implements AutoCloseable {

    static final List<String> SERVICES = List.of("encoder-service", "extractor-service", "llm-service", "gateway");

    private static LocalStack running;

    final Map<String, ServiceProcess> processes = new LinkedHashMap<>();
    final Map<String, ManagedChannel> channels = new LinkedHashMap<>();
    final InternalToken token;
    final String tokenArg;
    final int spareEncoderGrpcPort;
    private final Path uploads;
    private final String label;
    private final List<String> gatewaySettings;
    private final List<String> everyService;

    private LocalStack(String label, List<String> gatewaySettings, List<String> everyService) throws IOException {
        this.label = label;
        this.gatewaySettings = gatewaySettings;
        this.everyService = everyService;
        byte[] secret = new byte[32];
        new SecureRandom().nextBytes(secret);
        String value = HexFormat.of().formatHex(secret);
        Path file = Files.createTempFile("osprey-internal-token", "", PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        file.toFile().deleteOnExit();
        Files.writeString(file, value);
        token = InternalToken.of(value);
        tokenArg = "--osprey.internal.token-file=" + file;
        spareEncoderGrpcPort = freePort();
        // Uploads of this stack only: equal bytes in another run (or test JVM) would share the default folder.
        uploads = Files.createTempDirectory("osprey-uploads");
    }

    /** The stack, started on first use; every service is SERVING when this returns. */
    static synchronized LocalStack get() throws Exception {
        if (running == null) {
            // No rate limit: every test client comes from 127.0.0.1.
            LocalStack stack = new LocalStack("", List.of("--osprey.gateway.rate-per-second=0"), List.of());
            Runtime.getRuntime().addShutdownHook(new Thread(stack::close));
            stack.start();
            running = stack;
        }
        return running;
    }

    /**
     * A stack of its own, every service SERVING; close it when done.
     *
     * @param label           prefixes its services' log files
     * @param gatewaySettings the gateway's arguments besides its backends' addresses
     */
    static LocalStack startOwn(String label, List<String> gatewaySettings) throws Exception {
        return startOwn(label, gatewaySettings, List.of());
    }

    /** As {@link #startOwn(String, List)}, every service also given {@code everyService} (e.g. where to export traces). */
    static LocalStack startOwn(String label, List<String> gatewaySettings, List<String> everyService) throws Exception {
        LocalStack stack = new LocalStack(label, gatewaySettings, everyService);
        try {
            stack.start();
        } catch (Exception | AssertionError e) {
            stack.close();
            throw e;
        }
        return stack;
    }

    private void start() throws Exception {
        Map<String, int[]> ports = new LinkedHashMap<>();
        for (String name : SERVICES) {
            ports.put(name, new int[] {freePort(), freePort()});
        }
        String encoder = "127.0.0.1:" + ports.get("encoder-service")[1];
        String encoders = "--osprey.encoder-client.replicas=" + encoder + ",127.0.0.1:" + spareEncoderGrpcPort;
        String bundle = "--osprey.model.bundle=" + TinyBundle.withSamDir();
        Map<String, List<String>> args = Map.of(
                // Caches sized for the services' small test heaps.
                "encoder-service", List.of(bundle, "--osprey.encoder.feature-cache-size=64MB", "--osprey.encoder.image-store-size=64MB",
                        "--osprey.encoder.uploads.dir=" + uploads),
                "extractor-service", List.of(bundle, "--osprey.encoder-client.address=" + encoder, encoders, "--osprey.extractor.feature-cache-size=64MB"),
                // A queue deep enough for the load benchmark's 64 clients.
                "llm-service", List.of(bundle, "--osprey.encoder-client.address=" + encoder, encoders, "--osprey.llm.queue-capacity=128",
                        "--osprey.llm.prefix-cache-size=64MB"),
                "gateway", Stream.concat(gatewaySettings.stream(), Stream.of("--osprey.gateway.encoders=" + encoder,
                        "--osprey.gateway.extractors=127.0.0.1:" + ports.get("extractor-service")[1],
                        "--osprey.gateway.llms=127.0.0.1:" + ports.get("llm-service")[1])).toList());
        // All four start at once: they boot in parallel, as in the local stack.
        for (String name : SERVICES) {
            List<String> withToken = new ArrayList<>(args.get(name));
            withToken.add(tokenArg);
            withToken.addAll(everyService);
            ServiceProcess process = new ServiceProcess(name, label + name, ports.get(name)[0], ports.get(name)[1], withToken);
            process.start();
            processes.put(name, process);
            channels.put(name, NettyChannelBuilder.forAddress("127.0.0.1", process.grpcPort, CompositeChannelCredentials.create(
                    InsecureChannelCredentials.create(), token.callCredentials())).maxInboundMessageSize(64 << 20).build());
        }
        for (String name : SERVICES) {
            awaitServing(name);
        }
    }

    ServiceProcess process(String name) {
        return processes.get(name);
    }

    ManagedChannel channel(String name) {
        return channels.get(name);
    }

    /** Waits until the service's gRPC health says SERVING; fails at once, with its log, if it exits. */
    void awaitServing(String name) {
        awaitServing(processes.get(name), channels.get(name));
    }

    /** Waits until {@code process} (reached through {@code channel}) is SERVING. */
    static void awaitServing(ServiceProcess process, ManagedChannel channel) {
        String name = process.name;
        HealthGrpc.HealthBlockingStub health = HealthGrpc.newBlockingStub(channel);
        // Generous: four JVMs boot at once on two cores that other builds may share.
        await(name + " serving")
                .atMost(Duration.ofMinutes(5)).pollInterval(Duration.ofMillis(500))
                .failFast(() -> assertThat(process.isAlive())
                        .as(() -> name + " exited; its log ends:\n" + process.logTail()).isTrue())
                .ignoreException(StatusRuntimeException.class)
                .until(() -> health.withDeadlineAfter(30, TimeUnit.SECONDS)
                        .check(HealthCheckRequest.getDefaultInstance()).getStatus() == HealthCheckResponse.ServingStatus.SERVING);
    }

    @Override
    public void close() {
        for (ManagedChannel channel : channels.values()) {
            channel.shutdownNow();
        }
        for (ServiceProcess process : processes.values()) {
            try {
                process.close();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        try (Stream<Path> files = Files.walk(uploads)) {
            files.sorted(java.util.Comparator.reverseOrder()).forEach(path -> path.toFile().delete());
        } catch (IOException e) {
            // Only temporary files are left behind.
        }
    }

    static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }
}
