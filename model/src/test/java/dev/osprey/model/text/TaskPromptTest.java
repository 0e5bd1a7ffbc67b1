package dev.osprey.model.text;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.osprey.model.error.OspreyException;
import java.util.Locale;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

/** The task messages are the reference's exact user messages (golden prompts.json). */
class TaskPromptTest {

    private static final JsonNode PROMPTS = TextGolden.json("reference/prompts.json");

    @Test
    void eachTaskMessageIsTheGoldenUserMessage() {
        for (TaskPrompt task : TaskPrompt.values()) {
            String expected = PROMPTS.path(task.name().toLowerCase(Locale.ROOT)).path("user_message").asString();
            assertThat(PromptPart.toPromptString(task.message(2))).as(task.name()).isEqualTo(expected);
            assertThat(task.message(2)).filteredOn(PromptPart.Region.class::isInstance).containsExactly(new PromptPart.Region(2));
        }
    }

    @Test
    void multiRegionMessageIsTheGoldenOneWithSlotKHoldingMaskK() {
        var message = TaskPrompt.multiRegion(3, "What is the relationship between region1 and region2?");
        assertThat(PromptPart.toPromptString(message)).isEqualTo(PROMPTS.path("multi_region").path("user_message").asString());
        assertThat(message).filteredOn(PromptPart.Region.class::isInstance)
                .containsExactly(new PromptPart.Region(0), new PromptPart.Region(1), new PromptPart.Region(2));
    }

    @Test
    void multiRegionWithoutMasksIsBadInput() {
        assertThatThrownBy(() -> TaskPrompt.multiRegion(0, "Why?")).isInstanceOf(OspreyException.class)
                .hasMessageContaining("at least one mask");
    }
}
