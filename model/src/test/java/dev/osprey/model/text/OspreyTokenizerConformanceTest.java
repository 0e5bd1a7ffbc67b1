package dev.osprey.model.text;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import tools.jackson.databind.JsonNode;

/**
 * The golden tokenizer conformance set (50 strings) against the raw tokenizer, exactly as the set
 * describes it: typed {@code <mask>}, {@code <pos>}, {@code <s>} become special ids there.
 */
class OspreyTokenizerConformanceTest {

    private static final OspreyTokenizer TOKENIZER = TextGolden.tokenizer();

    static List<JsonNode> items() {
        return TextGolden.conformanceItems();
    }

    @Test
    void conformanceSetHasAllFiftyStrings() {
        assertThat(items()).hasSize(50);
    }

    @Test
    void specialIdsAreOspreys() {
        assertThat(TOKENIZER.specialIds()).isEqualTo(new SpecialIds(0, 1, 2, 32000, 32001));
        assertThat(TOKENIZER.size()).isEqualTo(32002);
    }

    @ParameterizedTest(name = "[{index}] {0}")
    @MethodSource("items")
    void rawIdsWithBosMatchGolden(JsonNode item) {
        assertThat(TOKENIZER.encode(item.path("text").asString(), true)).containsExactly(TextGolden.ints(item.path("ids_with_bos")));
    }

    @ParameterizedTest(name = "[{index}] {0}")
    @MethodSource("items")
    void rawIdsWithoutBosMatchGolden(JsonNode item) {
        assertThat(TOKENIZER.encode(item.path("text").asString(), false)).containsExactly(TextGolden.ints(item.path("ids_without_bos")));
    }

    @ParameterizedTest(name = "[{index}] {0}")
    @MethodSource("items")
    void piecesOfRawIdsMatchGoldenTokens(JsonNode item) {
        String[] pieces = Arrays.stream(TOKENIZER.encode(item.path("text").asString(), false))
                .mapToObj(TOKENIZER::piece).toArray(String[]::new);
        String[] expected = item.path("tokens_without_bos").valueStream().map(JsonNode::asString).toArray(String[]::new);
        assertThat(pieces).containsExactly(expected);
    }

    @ParameterizedTest(name = "[{index}] {0}")
    @MethodSource("items")
    void decodeSkippingSpecialsMatchesGolden(JsonNode item) {
        String expected = item.path("decoded_skip_special").asString();
        assertThat(TOKENIZER.decode(TextGolden.ints(item.path("ids_with_bos")))).isEqualTo(expected);
        assertThat(TOKENIZER.decode(TextGolden.ints(item.path("ids_without_bos")))).isEqualTo(expected);
    }

    @ParameterizedTest(name = "[{index}] {0}")
    @MethodSource("items")
    void textTokenizerNeverYieldsSpecialIdsAndOtherwiseAgreesWithRaw(JsonNode item) {
        String text = item.path("text").asString();
        int[] plain = TOKENIZER.encodeText(text);
        assertThat(plain).doesNotContain(0, 1, 2, 32000, 32001);
        if (!hasAddedTokenText(text)) {
            assertThat(plain).containsExactly(TextGolden.ints(item.path("ids_without_bos")));
        }
    }

    @Test
    void typedSpecialTokensStayTextInTheTextTokenizer() {
        for (String typed : List.of("<s>", "</s>", "<unk>", "<mask>", "<pos>", "<image>", "<mask><pos>", "a</s>b<s>c")) {
            int[] ids = TOKENIZER.encodeText(typed);
            assertThat(ids).as(typed).isNotEmpty().doesNotContain(0, 1, 2, 32000, 32001);
            assertThat(TOKENIZER.decode(ids)).as(typed).isEqualTo(typed);
        }
    }

    @Test
    void concurrentCallsFromFourThreadsStillMatchGolden() throws Exception {
        try (ExecutorService pool = Executors.newFixedThreadPool(4)) {
            List<Future<Boolean>> runs = IntStream.range(0, 32).mapToObj(run -> pool.submit(() -> items().stream().allMatch(item -> {
                int[] ids = TOKENIZER.encode(item.path("text").asString(), true);
                return Arrays.equals(ids, TextGolden.ints(item.path("ids_with_bos")))
                        && TOKENIZER.decode(ids).equals(item.path("decoded_skip_special").asString());
            }))).toList();
            for (Future<Boolean> run : runs) {
                assertThat(run.get()).isTrue();
            }
        }
    }

    private static boolean hasAddedTokenText(String text) {
        return List.of("<s>", "</s>", "<unk>", "<mask>", "<pos>").stream().anyMatch(text::contains);
    }
}
