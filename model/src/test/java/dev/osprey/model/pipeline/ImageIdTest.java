package dev.osprey.model.pipeline;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.osprey.model.error.OspreyException;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class ImageIdTest {

    private static final String ID = ImageId.of("some image".getBytes(StandardCharsets.UTF_8));

    @Test
    void scopedIdsAreOnePerScopeAndNoneIsAnotherScopesOrTheImagesOwn() {
        String alice = ImageId.scoped("alice", ID);
        assertThat(alice).matches("[0-9a-f]{64}").isEqualTo(ImageId.scoped("alice", ID)).isNotEqualTo(ID);
        assertThat(ImageId.scoped("bob", ID)).isNotEqualTo(alice);
        assertThat(ImageId.scoped("bob", alice)).as("an id seen in one scope names nothing in another").isNotEqualTo(alice);
    }

    @Test
    void theEmptyScopeIsTheImagesOwnId() {
        assertThat(ImageId.scoped("", ID)).isEqualTo(ID);
    }

    @Test
    void aMalformedIdIsRefusedInAnyScope() {
        assertThatThrownBy(() -> ImageId.scoped("alice", "not-an-id")).isInstanceOf(OspreyException.class)
                .hasMessageContaining("image_id: 'not-an-id' is not an id");
    }
}
