package dev.osprey.model.text;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;

/**
 * Turns generated ids into text one id at a time, for streaming. The pieces it returns are whole
 * characters (never half a UTF-8 sequence or a lone surrogate) and, joined, equal
 * {@link OspreyTokenizer#decode} of all the ids fed, including {@link #finish()}.
 *
 * <p>It applies the tokenizer's decoder (replace "▁" by a space, byte fallback, fuse, strip one
 * leading space) incrementally. Special ids are skipped without ending anything. Byte pieces
 * ({@code <0xNN>}) are held until the run of byte pieces ends, because the reference decodes a run
 * as a whole: a valid run is its UTF-8 text, an invalid one is U+FFFD per byte, and which one it is
 * is only known at the run's end. So a character spelled in bytes (an emoji, rare CJK, also
 * {@code "\n"}) appears with the next text piece, or from {@link #finish()}.
 *
 * <p>One instance per generated sequence; not thread-safe.
 */
public final class StreamingDetokenizer {

    private final OspreyTokenizer tokenizer;
    private final ByteArrayOutputStream pendingBytes = new ByteArrayOutputStream();
    private boolean atStart = true;

    StreamingDetokenizer(OspreyTokenizer tokenizer) {
        this.tokenizer = tokenizer;
    }

    /**
     * Feeds the next id and returns the text it completes, often "" (a special id, a byte piece, the
     * stripped first space).
     */
    public String accept(int id) {
        if (tokenizer.isSpecial(id)) {
            return "";
        }
        String piece = tokenizer.piece(id);
        int fallbackByte = fallbackByte(piece);
        if (fallbackByte >= 0) {
            pendingBytes.write(fallbackByte);
            return "";
        }
        return emit(flushBytes() + piece.replace('▁', ' '));
    }

    /** Ends the sequence: returns the text of a trailing run of byte pieces, if any. */
    public String finish() {
        return emit(flushBytes());
    }

    // The reference's ByteFallback rule: exactly "<0xNN>" with two hex digits.
    private static int fallbackByte(String piece) {
        if (piece.length() != 6 || !piece.startsWith("<0x") || piece.charAt(5) != '>') {
            return -1;
        }
        int high = hexDigit(piece.charAt(3));
        int low = hexDigit(piece.charAt(4));
        return high < 0 || low < 0 ? -1 : high * 16 + low;
    }

    private static int hexDigit(char c) {
        return c < 128 ? Character.digit(c, 16) : -1;
    }

    private String flushBytes() {
        if (pendingBytes.size() == 0) {
            return "";
        }
        byte[] bytes = pendingBytes.toByteArray();
        pendingBytes.reset();
        try {
            return StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(bytes))
                    .toString();
        } catch (CharacterCodingException e) {
            return "\uFFFD".repeat(bytes.length);
        }
    }

    // The decoder's final Strip removes one leading space of the whole text, i.e. of the first output.
    private String emit(String text) {
        if (atStart && !text.isEmpty()) {
            atStart = false;
            return text.charAt(0) == ' ' ? text.substring(1) : text;
        }
        return text;
    }
}
