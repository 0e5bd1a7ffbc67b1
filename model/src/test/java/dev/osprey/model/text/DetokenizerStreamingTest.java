package dev.osprey.model.text;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.CharBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import tools.jackson.databind.JsonNode;

/**
 * {@link StreamingDetokenizer}: fed one id at a time, its pieces are whole characters and join to
 * exactly {@link OspreyTokenizer#decode} (the reference's decode).
 */
class DetokenizerStreamingTest {

    private static final OspreyTokenizer TOKENIZER = TextGolden.tokenizer();

    static List<JsonNode> items() {
        return TextGolden.conformanceItems();
    }

    @ParameterizedTest(name = "[{index}] {0}")
    @MethodSource("items")
    void conformanceIdsStreamToTheFullDecode(JsonNode item) {
        int[] ids = TextGolden.ints(item.path("ids_with_bos"));
        assertThat(String.join("", stream(ids))).isEqualTo(item.path("decoded_skip_special").asString());
    }

    @Test
    void emojiSpelledInBytesComesOutWholeWithTheNextTextPiece() {
        // "emoji 😀 🦙": ▁em o ji ▁ <F0><9F><98><80> ▁ <F0><9F><A6><99>
        int[] ids = {1, 953, 29877, 2397, 29871, 243, 162, 155, 131, 29871, 243, 162, 169, 156};
        List<String> pieces = stream(ids);
        assertThat(pieces).containsExactly("", "em", "o", "ji", " ", "", "", "", "", "😀 ", "", "", "", "", "🦙");
        assertThat(String.join("", pieces)).isEqualTo(TOKENIZER.decode(ids)).isEqualTo("emoji 😀 🦙");
    }

    @Test
    void cjkAndHangulWithByteFallbackStreamExactly() {
        for (String text : List.of("中文分词测试", "한국어 텍스트", "日本語のテキストです", "👍🏽 🇯🇵 mixed 词 text\n")) {
            int[] ids = TOKENIZER.encode(text, true);
            List<String> pieces = stream(ids);
            assertThat(String.join("", pieces)).isEqualTo(TOKENIZER.decode(ids)).isEqualTo(text);
        }
    }

    @Test
    void invalidByteRunsBecomeOneReplacementCharacterPerByteLikeTheReference() {
        // 日, then F0 9F without the rest, then "\n" (a byte piece too, so it joins the invalid run), then ▁the
        int[] ids = {30325, 243, 162, 13, 278};
        assertThat(String.join("", stream(ids))).isEqualTo(TOKENIZER.decode(ids)).isEqualTo("日\uFFFD\uFFFD\uFFFD the");
    }

    @Test
    void specialIdsInsideAByteRunDoNotSplitIt() {
        int[] ids = {243, 162, 2, 155, 32000, 131};
        assertThat(String.join("", stream(ids))).isEqualTo(TOKENIZER.decode(ids)).isEqualTo("😀");
    }

    @Test
    void onlyTheFirstLeadingSpaceIsStripped() {
        int[] ids = {29871, 29871, 15043};
        List<String> pieces = stream(ids);
        assertThat(pieces).containsExactly("", " ", " Hello", "");
        assertThat(String.join("", pieces)).isEqualTo(TOKENIZER.decode(ids));
    }

    @Test
    void randomSequencesStreamToTheFullDecode() {
        Random random = new Random(7);
        int[] bytePieces = {3 + 0x0A, 3 + 0x20, 3 + 0x41, 3 + 0x80, 3 + 0x9F, 3 + 0xBF, 3 + 0xC3, 3 + 0xE4, 3 + 0xF0, 3 + 0xFF};
        for (int sequence = 0; sequence < 2000; sequence++) {
            int[] ids = new int[1 + random.nextInt(12)];
            for (int i = 0; i < ids.length; i++) {
                int kind = random.nextInt(10);
                ids[i] = kind < 4 ? bytePieces[random.nextInt(bytePieces.length)]
                        : kind < 5 ? List.of(0, 1, 2, 32000, 32001).get(random.nextInt(5))
                        : kind < 6 ? 29871
                        : random.nextInt(32000);
            }
            assertThat(String.join("", stream(ids))).as("ids %s", java.util.Arrays.toString(ids))
                    .isEqualTo(TOKENIZER.decode(ids));
        }
    }

    /** Streams {@code ids} and checks that every piece is encodable UTF-8 on its own. */
    private static List<String> stream(int[] ids) {
        StreamingDetokenizer detokenizer = TOKENIZER.detokenizer();
        List<String> pieces = new ArrayList<>();
        for (int id : ids) {
            pieces.add(detokenizer.accept(id));
        }
        pieces.add(detokenizer.finish());
        pieces.forEach(DetokenizerStreamingTest::assertValidUtf8);
        return pieces;
    }

    private static void assertValidUtf8(String piece) {
        try {
            StandardCharsets.UTF_8.newEncoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .encode(CharBuffer.wrap(piece));
        } catch (CharacterCodingException e) {
            throw new AssertionError("piece \"" + piece + "\" is not valid UTF-8 on its own", e);
        }
    }
}
