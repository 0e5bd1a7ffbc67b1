package dev.osprey.model.text;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.osprey.model.Golden;
import dev.osprey.model.error.OspreyException;
import dev.osprey.model.error.Reason;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Loading a tokenizer folder or file, and the errors for files that are no Osprey tokenizer. */
class OspreyTokenizerLoadTest {

    @Test
    void loadsTheFileAsWellAsItsFolder() {
        Path file = Golden.safetensorsCheckpoint().resolve(OspreyTokenizer.FILE_NAME);
        try (OspreyTokenizer tokenizer = OspreyTokenizer.load(file)) {
            assertThat(tokenizer.encode("Hello world", true)).containsExactly(1, 15043, 3186);
        }
    }

    @Test
    void missingFileIsABadBundle(@TempDir Path dir) {
        assertThatThrownBy(() -> OspreyTokenizer.load(dir)).isInstanceOfSatisfying(OspreyException.class,
                e -> assertThat(e.reason()).isEqualTo(Reason.BAD_BUNDLE)).hasMessageContaining("cannot read tokenizer");
    }

    @Test
    void tokenizerWithoutOspreysAddedTokensIsABadBundle(@TempDir Path dir) throws Exception {
        String llamaOnly = Files.readString(Golden.safetensorsCheckpoint().resolve(OspreyTokenizer.FILE_NAME))
                .replace("\"<mask>\"", "\"<other>\"");
        Files.writeString(dir.resolve(OspreyTokenizer.FILE_NAME), llamaOnly);
        assertThatThrownBy(() -> OspreyTokenizer.load(dir)).isInstanceOfSatisfying(OspreyException.class,
                e -> assertThat(e.reason()).isEqualTo(Reason.BAD_BUNDLE)).hasMessageContaining("no added token <mask>");
    }
}
