package dev.osprey.deploy.image;

import static org.assertj.core.api.Assertions.assertThat;

import dev.osprey.deploy.Repo;
import dev.osprey.deploy.Tree;
import dev.osprey.model.TinyBundle;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/**
 * Starts llm-service from its image as a pod would run it (read-only root, writable /tmp only, the
 * bundle mounted read-only, user 10001, the image's entrypoint and environment) and waits for it to be
 * ready: the jlinked runtime has the modules it needs, and ONNX Runtime and DJL load their native
 * libraries from /tmp. Needs root for the mount namespace, as CI has.
 */
class ServiceImageBootTest {

    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(30)).build();

    @Test
    void llmServiceBecomesReadyFromItsImageOnAReadOnlyRoot() throws Exception {
        Assumptions.assumeTrue("root".equals(System.getProperty("user.name")), "mount namespaces need root (CI runs as root)");
        Path rootfs = LlmImage.rootfs();
        Map<String, Object> run = LlmImage.image().runConfig();
        int http = freePort();
        int grpc = freePort();
        List<String> command = new ArrayList<>(List.of("unshare", "-m", "sh", script().toString(), rootfs.toString(),
                TinyBundle.dir().toString(), run.get("User").toString(), run.get("WorkingDir").toString()));
        Tree.list(run, "Env").forEach(env -> command.add(env.toString()));
        // An explicit heap wins over the image's MaxRAMPercentage (the deployments size it this way too).
        command.add("JDK_JAVA_OPTIONS=-Xmx512m");
        command.add("--");
        Tree.list(run, "Entrypoint").forEach(arg -> command.add(arg.toString()));
        command.add("--server.port=" + http);
        command.add("--spring.grpc.server.port=" + grpc);
        command.add("--osprey.model.threads=1");
        Path log = Repo.work("boot").resolve("llm-service.log");
        Process process = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        try {
            awaitReady(process, http, log);
            String metrics = get(http, "/actuator/prometheus").body();
            // The metric the llm-service autoscaler follows (k8s/monitoring's adapter rule).
            assertThat(metrics).containsPattern("osprey_queue_depth\\{[^}]*queue=\"generate\"");
            // The same process (every step exec's): its native libraries were mapped from the writable /tmp.
            String maps = Files.readString(Path.of("/proc", Long.toString(process.pid()), "maps"));
            assertThat(maps).containsPattern("/tmp/\\S*libonnxruntime\\S*\\.so").containsPattern("/tmp/djl/\\S*tokenizers\\S*\\.so");
            assertThat(Files.readString(log)).contains("Picked up JDK_JAVA_OPTIONS: -Xmx512m");
        } finally {
            process.destroy();
            if (!process.waitFor(90, TimeUnit.SECONDS)) {
                process.destroyForcibly();
            }
        }
        assertThat(Files.readString(log)).doesNotContain("Read-only file system");
    }

    @Test
    void onlyTmpIsWritableThere() throws Exception {
        Assumptions.assumeTrue("root".equals(System.getProperty("user.name")), "mount namespaces need root (CI runs as root)");
        assertThat(runInImage("/usr/bin/touch", "/tmp/probe").waitFor()).isZero();
        for (String path : List.of("/app/probe", "/home/osprey/probe", "/models/bundle/probe")) {
            assertThat(runInImage("/usr/bin/touch", path).waitFor()).as(path).isNotZero();
        }
    }

    private static Process runInImage(String... command) throws IOException {
        Map<String, Object> run = LlmImage.image().runConfig();
        List<String> args = new ArrayList<>(List.of("unshare", "-m", "sh", script().toString(), LlmImage.rootfs().toString(),
                TinyBundle.dir().toString(), run.get("User").toString(), run.get("WorkingDir").toString(), "--"));
        args.addAll(List.of(command));
        return new ProcessBuilder(args).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
    }

    private static Path script() throws IOException {
        Path script = Repo.work("boot").resolve("run-in-image.sh");
        Files.copy(Repo.root().resolve("deploy/src/test/resources/run-in-image.sh"), script, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        return script;
    }

    private static void awaitReady(Process process, int port, Path log) throws Exception {
        // Generous: a JVM booting in a mount namespace on a machine that may be busy with other builds.
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(300);
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                throw new AssertionError("llm-service exited with " + process.exitValue() + ":\n" + Files.readString(log));
            }
            try {
                if (get(port, "/actuator/health/readiness").statusCode() == 200) {
                    return;
                }
            } catch (IOException notYet) {
                // not listening yet
            }
            Thread.sleep(500);
        }
        throw new AssertionError("llm-service was not ready within 300 s:\n" + Files.readString(log));
    }

    private static HttpResponse<String> get(int port, String path) throws IOException, InterruptedException {
        return HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path)).timeout(Duration.ofSeconds(60)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }
}
