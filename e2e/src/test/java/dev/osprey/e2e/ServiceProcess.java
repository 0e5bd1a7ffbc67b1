package dev.osprey.e2e;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * One Osprey service running from its packaged jar as a separate JVM on loopback ports chosen up
 * front, its output appended to a log file. It can be killed and started again on the same ports, as
 * the local stack restarts a service that died.
 */
final class ServiceProcess implements AutoCloseable {

    /** The heap's reserved address range in {@code GC.heap_info}, e.g. {@code [0x00000000e8000000, 0x0000000100000000)}. */
    private static final Pattern HEAP_RANGE = Pattern.compile("\\[0x([0-9a-f]+), 0x([0-9a-f]+)\\)");
    /** A mapping's first line in {@code /proc/PID/smaps}: {@code start-end perms ...}. */
    private static final Pattern MAPPING = Pattern.compile("^([0-9a-f]+)-([0-9a-f]+) ");

    final String name;
    final int httpPort;
    final int grpcPort;
    /** Where Actuator answers: the gateway's management port, the backends' HTTP port. */
    final int actuatorPort;
    final Path log;
    private final List<String> args;
    private Process process;

    ServiceProcess(String name, int httpPort, int grpcPort, List<String> args) throws IOException {
        this(name, name, httpPort, grpcPort, args);
    }

    /** @param instance names the log file, for a second process of the same service */
    ServiceProcess(String name, String instance, int httpPort, int grpcPort, List<String> args) throws IOException {
        this.name = name;
        this.httpPort = httpPort;
        this.grpcPort = grpcPort;
        this.actuatorPort = name.equals("gateway") ? LocalStack.freePort() : httpPort;
        this.args = List.copyOf(args);
        Path logs = Path.of(System.getProperty("osprey.logs", "target/service-logs"));
        Files.createDirectories(logs);
        this.log = logs.resolve(instance + ".log");
        Files.deleteIfExists(log);
    }

    /** Starts {@code <root>/<name>/target/<name>.jar}. */
    synchronized void start() throws IOException {
        Path root = Path.of(System.getProperty("osprey.root", ".."));
        Path jar = root.resolve(name).resolve("target").resolve(name + ".jar");
        if (!Files.isRegularFile(jar)) {
            throw new IllegalStateException("missing " + jar + ": package the services first (mvn verify builds them)");
        }
        List<String> command = new ArrayList<>(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx384m", "-XX:TieredStopAtLevel=1", "--add-modules=jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED",
                "-jar", jar.toString(),
                "--server.port=" + httpPort,
                "--server.address=127.0.0.1",
                "--spring.grpc.server.port=" + grpcPort,
                "--spring.grpc.server.host=127.0.0.1"));
        if (actuatorPort != httpPort) {
            command.addAll(List.of("--management.server.port=" + actuatorPort, "--management.server.address=127.0.0.1"));
        }
        command.addAll(args);
        process = new ProcessBuilder(command)
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()))
                .start();
    }

    /** The resident memory of the running JVM in MiB (Linux /proc), or -1 when unknown. */
    synchronized long residentMiB() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/" + process.pid() + "/status"))) {
                if (line.startsWith("VmRSS:")) {
                    return Long.parseLong(line.replaceAll("[^0-9]", "")) / 1024;
                }
            }
        } catch (IOException | RuntimeException e) {
            return -1;
        }
        return -1;
    }

    synchronized boolean isAlive() {
        return process != null && process.isAlive();
    }

    /** Kills the JVM at once (SIGKILL), as a crash would, and waits until it is gone (its ports free). */
    synchronized void kill() throws InterruptedException {
        // The wait is long only on a machine too busy to reap a process soon; it ends as soon as it is gone.
        if (!process.destroyForcibly().waitFor(5, TimeUnit.MINUTES)) {
            throw new IllegalStateException(name + " (pid " + process.pid() + ") still runs after SIGKILL");
        }
    }

    /** Runs a full garbage collection in the JVM ({@code jcmd PID GC.run}), so its heap holds only live data. */
    synchronized void collectGarbage() throws IOException, InterruptedException {
        jcmd("GC.run");
    }

    /**
     * Resident memory in MiB, all of it and the part that lies in the Java heap's address range (read
     * from {@code jcmd PID GC.heap_info} and {@code /proc/PID/smaps}). The heap's share is bounded by
     * -Xmx and only grows as pages are first touched, so growth beyond it is what grows with requests
     * outside the heap: native tensors, buffers, threads.
     */
    synchronized Resident resident() throws IOException, InterruptedException {
        Matcher range = HEAP_RANGE.matcher(jcmd("GC.heap_info"));
        if (!range.find()) {
            throw new IllegalStateException("no heap address range in jcmd GC.heap_info of " + name);
        }
        long heapFrom = Long.parseUnsignedLong(range.group(1), 16);
        long heapTo = Long.parseUnsignedLong(range.group(2), 16);
        long totalKib = 0;
        long heapKib = 0;
        boolean inHeap = false;
        for (String line : Files.readAllLines(Path.of("/proc/" + process.pid() + "/smaps"))) {
            Matcher mapping = MAPPING.matcher(line);
            if (mapping.find()) {
                long from = Long.parseUnsignedLong(mapping.group(1), 16);
                inHeap = from >= heapFrom && from < heapTo;
            } else if (line.startsWith("Rss:")) {
                long kib = Long.parseLong(line.replaceAll("[^0-9]", ""));
                totalKib += kib;
                heapKib += inHeap ? kib : 0;
            }
        }
        return new Resident(totalKib / 1024, heapKib / 1024);
    }

    /** Resident MiB of a JVM: in all, and of it in the Java heap. */
    record Resident(long totalMiB, long heapMiB) {
        long outsideHeapMiB() {
            return totalMiB - heapMiB;
        }
    }

    private String jcmd(String command) throws IOException, InterruptedException {
        Process jcmd = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "jcmd").toString(),
                Long.toString(process.pid()), command).redirectErrorStream(true).start();
        String output = new String(jcmd.getInputStream().readAllBytes());
        if (!jcmd.waitFor(5, TimeUnit.MINUTES) || jcmd.exitValue() != 0) {
            throw new IllegalStateException("jcmd " + command + " on " + name + " failed: " + output);
        }
        return output;
    }

    String grpcAddress() {
        return "127.0.0.1:" + grpcPort;
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
    public synchronized void close() throws InterruptedException {
        if (process == null) {
            return;
        }
        process.destroy();
        if (!process.waitFor(30, TimeUnit.SECONDS)) {
            process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        }
    }
}
