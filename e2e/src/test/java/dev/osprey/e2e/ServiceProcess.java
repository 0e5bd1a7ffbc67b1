package dev.osprey.e2e;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * One Osprey service running from its packaged jar as a separate JVM on loopback ports chosen up
 * front, its output in a log file. Closing it stops the process (gracefully, then forcibly).
 */
final class ServiceProcess implements AutoCloseable {

    final String name;
    final int httpPort;
    final int grpcPort;
    final Path log;
    private final Process process;

    private ServiceProcess(String name, int httpPort, int grpcPort, Path log, Process process) {
        this.name = name;
        this.httpPort = httpPort;
        this.grpcPort = grpcPort;
        this.log = log;
        this.process = process;
    }

    /** Starts {@code <root>/<name>/target/<name>.jar} with free ports and the given extra arguments. */
    static ServiceProcess start(String name, String... extraArgs) throws IOException {
        Path root = Path.of(System.getProperty("osprey.root", ".."));
        Path jar = root.resolve(name).resolve("target").resolve(name + ".jar");
        if (!Files.isRegularFile(jar)) {
            throw new IllegalStateException("missing " + jar + ": package the services first (mvn verify builds them)");
        }
        Path logs = Path.of(System.getProperty("osprey.logs", "target/service-logs"));
        Files.createDirectories(logs);
        Path log = logs.resolve(name + ".log");
        int httpPort = freePort();
        int grpcPort = freePort();
        List<String> command = new ArrayList<>(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx384m", "-XX:TieredStopAtLevel=1", "--enable-native-access=ALL-UNNAMED",
                "-jar", jar.toString(),
                "--server.port=" + httpPort,
                "--server.address=127.0.0.1",
                "--spring.grpc.server.port=" + grpcPort,
                "--spring.grpc.server.host=127.0.0.1"));
        command.addAll(List.of(extraArgs));
        Process process = new ProcessBuilder(command)
                .redirectErrorStream(true)
                .redirectOutput(log.toFile())
                .start();
        return new ServiceProcess(name, httpPort, grpcPort, log, process);
    }

    boolean isAlive() {
        return process.isAlive();
    }

    /** The last lines of the service's log, for failure messages. */
    String logTail() {
        try {
            List<String> lines = Files.readAllLines(log);
            return String.join("\n", lines.subList(Math.max(0, lines.size() - 40), lines.size()));
        } catch (IOException e) {
            return "(no log: " + e.getMessage() + ")";
        }
    }

    @Override
    public void close() throws InterruptedException {
        process.destroy();
        if (!process.waitFor(30, TimeUnit.SECONDS)) {
            process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }
}
