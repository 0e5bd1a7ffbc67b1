package dev.osprey.deploy.compose;

import static org.assertj.core.api.Assertions.assertThat;

import dev.osprey.deploy.Command;
import dev.osprey.deploy.Repo;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Docker Compose itself accepts the Compose files (it validates them against its schema). */
class ComposeConfigTest {

    private static ComposeCli cli;
    private static Map<String, String> environment;

    @BeforeAll
    static void findCompose() throws IOException {
        cli = ComposeCli.find();
        Assumptions.assumeTrue(cli != null, "neither `docker compose` nor docker-compose is installed, and apt-get needs root");
        Path token = Files.writeString(Repo.work("compose-secrets").resolve("internal-token"), "0123456789abcdef0123456789abcdef");
        environment = Map.of("OSPREY_BUNDLE", Files.createDirectories(Repo.work("compose-bundle").resolve("triton")).getParent().toString(),
                "OSPREY_INTERNAL_TOKEN_FILE", token.toString(), "OSPREY_S3_SECRET_KEY", "test-secret");
    }

    @Test
    void acceptsTheComposeFile() {
        Command result = cli.config(List.of(Repo.root().resolve("docker-compose.yml")), environment, "-q");
        assertThat(result.exitCode()).as(result.output()).isZero();
    }

    @Test
    void acceptsTheTrtllmOverride() {
        Command result = cli.config(List.of(Repo.root().resolve("docker-compose.yml"), Repo.root().resolve("docker-compose.trtllm.yml")),
                environment, "-q");
        assertThat(result.exitCode()).as(result.output()).isZero();
    }

    @Test
    void rejectsABrokenCopy() throws IOException {
        // The check can fail: a copy with an impossible start condition is refused.
        Path broken = Repo.work("compose-broken").resolve("docker-compose.yml");
        Files.writeString(broken, Files.readString(Repo.root().resolve("docker-compose.yml")).replace("service_healthy", "service_happy"));
        Command result = cli.config(List.of(broken), environment, "-q");
        assertThat(result.exitCode()).isNotZero();
        assertThat(result.output()).contains("service_happy");
    }

    @Test
    void requiresTheBundleFolderTheInternalTokenAndTheUploadStoreSecret() {
        for (String required : environment.keySet()) {
            Map<String, String> without = new java.util.HashMap<>(environment);
            without.remove(required);
            Command result = cli.config(List.of(Repo.root().resolve("docker-compose.yml")), without, "-q");
            assertThat(result.exitCode()).as(required).isNotZero();
            assertThat(result.output()).contains("set " + required);
        }
    }

    @Test
    void theCpuVariantDropsTheGpuAndSelectsTheCpuConfig() {
        // Debian's docker-compose 1.29 predates `!reset` (Compose 2.24): only the plugin reads the override.
        Assumptions.assumeTrue(cli.plugin(), "docker-compose 1.29 cannot read !reset; the structural test covers the override");
        Command result = cli.config(List.of(Repo.root().resolve("docker-compose.yml"), Repo.root().resolve("docker-compose.cpu.yml")),
                environment);
        assertThat(result.exitCode()).as(result.output()).isZero();
        assertThat(result.output()).contains("--model-config-name=cpu").doesNotContain("nvidia");
    }
}
