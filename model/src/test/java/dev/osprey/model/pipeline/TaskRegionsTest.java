package dev.osprey.model.pipeline;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.osprey.model.error.OspreyException;
import dev.osprey.model.error.Reason;
import org.junit.jupiter.api.Test;

class TaskRegionsTest {

    @Test
    void aTaskWithoutRegionsIsBadInputNamingTheCallersField() {
        assertThatThrownBy(() -> TaskRegions.require("region_tokens", 0))
                .isInstanceOfSatisfying(OspreyException.class, e -> assertThat(e.reason()).isEqualTo(Reason.BAD_INPUT))
                .hasMessage("region_tokens: a task is asked about each region; give at least one mask");
        assertThatCode(() -> TaskRegions.require("regions", 1)).doesNotThrowAnyException();
    }
}
