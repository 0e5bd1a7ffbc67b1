package dev.osprey.deploy.image;

import static org.assertj.core.api.Assertions.assertThat;

import dev.osprey.deploy.Repo;
import dev.osprey.deploy.Tree;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** llm-service's image: how it starts, as whom, what it exposes, and the layers it is made of. */
class ServiceImageTest {

    private final ImageTar image = LlmImage.image();
    private final Map<String, Object> run = image.runConfig();

    @Test
    void startsTheServiceWithTheJvmFlagsItNeeds() {
        List<Object> entrypoint = Tree.list(run, "Entrypoint");
        assertThat(entrypoint.get(0)).isEqualTo("java");
        // the mask extractor's kernels need the Vector API, an incubator module the JVM adds only when told
        assertThat(entrypoint).contains("--enable-native-access=ALL-UNNAMED", "--add-modules=jdk.incubator.vector",
                        "-XX:+ExitOnOutOfMemoryError", "-Djava.io.tmpdir=/tmp")
                .anySatisfy(flag -> assertThat(flag.toString()).matches("-XX:MaxRAMPercentage=\\d+"));
        assertThat(entrypoint.subList(entrypoint.size() - 3, entrypoint.size()))
                .containsExactly("-cp", "@/app/jib-classpath-file", "dev.osprey.llm.LlmApplication");
        assertThat(Tree.list(run, "Env")).contains("OSPREY_MODEL_BUNDLE=/models/bundle", "DJL_CACHE_DIR=/tmp/djl", "JAVA_HOME=/opt/java/openjdk")
                .anySatisfy(env -> assertThat(env.toString()).startsWith("PATH=/opt/java/openjdk/bin:"));
    }

    @Test
    void runsAsTheUnprivilegedOspreyUserWithTheServicesPortsAndVolumes() throws IOException {
        assertThat(run.get("User")).isEqualTo("10001:10001");
        assertThat(Tree.map(run, "ExposedPorts").keySet()).containsExactlyInAnyOrder(
                Repo.httpPort(LlmImage.SERVICE) + "/tcp", Repo.grpcPort(LlmImage.SERVICE) + "/tcp");
        assertThat(Tree.map(run, "Volumes").keySet()).containsExactlyInAnyOrder("/models/bundle", "/tmp");
        assertThat(Files.readAllLines(LlmImage.rootfs().resolve("etc/passwd"))).contains("osprey:x:10001:10001:Osprey Serving:/home/osprey:/usr/sbin/nologin");
    }

    @Test
    void isTheBaseImageWithTheApplicationLayeredOnTop() {
        ImageTar base = new ImageTar(Path.of(System.getProperty("osprey.image.base-tar")), Repo.work("base-image"));
        List<String> baseLayers = base.diffIds();
        assertThat(image.diffIds()).startsWith(baseLayers.toArray(String[]::new)).hasSizeGreaterThanOrEqualTo(baseLayers.size() + 4);

        List<List<ImageTar.Entry>> layers = image.layers();
        List<List<ImageTar.Entry>> app = layers.subList(baseLayers.size(), layers.size());
        assertThat(app).allSatisfy(layer -> assertThat(layer).allSatisfy(e -> {
            assertThat(e.path()).startsWith("app");
            // The service cannot change its own code: root owns it and nobody else may write it.
            assertThat(e.owner()).isEqualTo("0/0");
            assertThat(e.mode().charAt(8)).isNotEqualTo('w');
        }));
        assertThat(layerHolding(app, "app/libs/onnxruntime-")).isNotEqualTo(layerHolding(app, "app/libs/osprey-model-"));
        assertThat(layerHolding(app, "app/libs/tokenizers-")).isEqualTo(layerHolding(app, "app/libs/onnxruntime-"));
        assertThat(layerHolding(app, "app/classes/dev/osprey/llm/LlmApplication.class")).isNotEqualTo(layerHolding(app, "app/libs/onnxruntime-"));
        assertThat(layerHolding(app, "app/resources/application.properties")).isNotNegative();
    }

    @Test
    void holdsAJavaRuntimeAndEveryClasspathEntry() throws IOException {
        Path rootfs = LlmImage.rootfs();
        String release = Files.readString(rootfs.resolve("opt/java/openjdk/release"));
        String version = release.replaceAll("(?s).*JAVA_VERSION=\"(\\d+)[^\"]*\".*", "$1");
        assertThat(Integer.parseInt(version)).isGreaterThanOrEqualTo(21);
        assertThat(release.replaceAll("(?s).*MODULES=\"([^\"]*)\".*", "$1").split(" ")).as("the runtime's modules").contains("jdk.incubator.vector");
        assertThat(Files.isExecutable(rootfs.resolve("opt/java/openjdk/bin/java"))).isTrue();
        // ONNX Runtime's native library links against the C++ runtime.
        assertThat(rootfs.resolve("usr/lib/x86_64-linux-gnu/libstdc++.so.6")).exists();
        String classpath = Files.readString(rootfs.resolve("app/jib-classpath-file")).strip();
        assertThat(Arrays.asList(classpath.split(":"))).hasSizeGreaterThan(20)
                .allSatisfy(entry -> assertThat(rootfs.resolve(entry.substring(1))).exists());
        assertThat(Arrays.asList(classpath.split(":"))).anySatisfy(entry -> assertThat(entry).startsWith("/app/libs/onnxruntime-"));
    }

    private static int layerHolding(List<List<ImageTar.Entry>> layers, String pathPrefix) {
        for (int i = 0; i < layers.size(); i++) {
            if (layers.get(i).stream().anyMatch(e -> e.path().startsWith(pathPrefix))) {
                return i;
            }
        }
        throw new AssertionError("no layer holds " + pathPrefix);
    }
}
