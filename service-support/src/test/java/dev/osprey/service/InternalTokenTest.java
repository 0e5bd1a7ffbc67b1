package dev.osprey.service;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class InternalTokenTest {

    private static final String SECRET = "0123456789abcdef0123456789abcdef";

    @TempDir
    Path dir;

    @Test
    void comesFromThePropertyOrFromAFileWithoutItsFinalNewline() throws IOException {
        assertThat(InternalToken.configured(SECRET, null)).get().satisfies(t -> assertThat(t.matches(SECRET)).isTrue());
        Path file = Files.writeString(dir.resolve("token"), SECRET + "\n");
        assertThat(InternalToken.configured(null, file)).get().satisfies(t -> assertThat(t.matches(SECRET)).isTrue());
        assertThat(InternalToken.configured("", null)).isEmpty();
    }

    @Test
    void matchesOnlyTheSameSecret() {
        InternalToken token = InternalToken.of(SECRET);
        assertThat(token.matches(SECRET + "0")).isFalse();
        assertThat(token.matches(SECRET.substring(1))).isFalse();
        assertThat(token.matches(SECRET.toUpperCase())).isFalse();
        assertThat(token.matches("")).isFalse();
        assertThat(token.matches(null)).isFalse();
    }

    @Test
    void neverShowsItsSecret() {
        assertThat(InternalToken.of(SECRET).toString()).doesNotContain(SECRET);
        assertThat(new InternalProperties(SECRET, null, false).toString()).doesNotContain(SECRET).contains("hidden");
    }

    @Test
    void badSettingsSayWhatToFixWithoutEchoingTheValue() {
        assertThatThrownBy(() -> InternalToken.of("changeme")).isInstanceOf(InternalAccessException.class)
                .hasMessageContaining("at least 16 printable ASCII characters").hasMessageContaining("openssl rand -hex 32")
                .hasMessageNotContaining("changeme");
        assertThatThrownBy(() -> InternalToken.of("0123456789 abcdef012")).hasMessageContaining("without spaces");
        assertThatThrownBy(() -> InternalToken.configured(SECRET, dir.resolve("token"))).isInstanceOf(InternalAccessException.class)
                .hasMessageContaining("both osprey.internal.token and osprey.internal.token-file are set");
        Path missing = dir.resolve("missing");
        assertThatThrownBy(() -> InternalToken.configured(null, missing)).isInstanceOf(InternalAccessException.class)
                .hasMessageContaining("osprey.internal.token-file=" + missing + " cannot be read");
    }
}
