package dev.osprey.model.text;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** The reference's answer clean-up (spec §4.6), option by option. */
class AnswerPostProcessorTest {

    @Test
    void noneKeepsTheDecodedText() {
        assertThat(AnswerPostProcessor.NONE.apply("  a: b. b.</s> ")).isEqualTo("  a: b. b.</s> ");
    }

    @Test
    void stripRemovesPythonWhitespaceAndATrailingEos() {
        assertThat(AnswerPostProcessor.STRIP.apply(" \n A brown dog. </s> \t")).isEqualTo("A brown dog.");
        assertThat(AnswerPostProcessor.STRIP.apply("\u00A0dog\u0085\u3000")).isEqualTo("dog");
        assertThat(AnswerPostProcessor.STRIP.apply("</s></s>")).isEqualTo("</s>");
    }

    @Test
    void colonKeepsTheTextBetweenTheFirstAndSecondColonUnstripped() {
        assertThat(AnswerPostProcessor.COLON.apply("Category: dog")).isEqualTo(" dog");
        assertThat(AnswerPostProcessor.COLON.apply("a: b: c")).isEqualTo(" b");
        assertThat(AnswerPostProcessor.COLON.apply("Answer:")).isEmpty();
        assertThat(AnswerPostProcessor.COLON.apply(" plain answer ")).isEqualTo("plain answer");
    }

    @Test
    void demoStopsAtTheFirstRepeatedSentenceAndEndsEachKeptOneWithADot() {
        assertThat(AnswerPostProcessor.DEMO.apply("A red car. It is parked. It is parked. More"))
                .isEqualTo("A red car. It is parked.");
        assertThat(AnswerPostProcessor.DEMO.apply("A dog.A dog.A dog")).isEqualTo("A dog.");
        // " A dog" differs from "A dog" by its space, as in the reference
        assertThat(AnswerPostProcessor.DEMO.apply("A dog. A dog.")).isEqualTo("A dog. A dog.");
        assertThat(AnswerPostProcessor.DEMO.apply("Region: a cat..on a mat")).isEqualTo(" a cat.on a mat.");
        assertThat(AnswerPostProcessor.DEMO.apply("...")).isEmpty();
    }
}
