package dev.osprey.model.text;

import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import dev.osprey.model.error.OspreyException;
import dev.osprey.model.error.Reason;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/**
 * The Osprey (LLaMA SentencePiece BPE + {@code <mask>}/{@code <pos>}) tokenizer, run by DJL's
 * Hugging Face tokenizer over the checkpoint's {@code tokenizer.json}.
 *
 * <p>It holds two tokenizers. The <em>raw</em> one is the reference's: added tokens typed in the text
 * ({@code <mask>}, {@code <pos>}, {@code <s>}, {@code </s>}, {@code <unk>}) become their special ids,
 * exactly as Osprey's Python code tokenises a whole prompt ({@link #encode}). The <em>text</em> one is
 * the same file with its added tokens removed, so whatever it is given stays text
 * ({@link #encodeText}); {@link PromptEncoder} uses it for every text segment of a prompt and inserts
 * the special ids itself. Both are thread-safe; close the tokenizer to free the native handles.
 *
 * <pre>{@code
 * try (OspreyTokenizer tokenizer = OspreyTokenizer.load(bundleDir.resolve("tokenizer"))) {
 *     int[] ids = tokenizer.encode("Hello world", true);   // [1, 15043, 3186]
 *     String text = tokenizer.decode(ids);                  // "Hello world"
 * }
 * }</pre>
 */
public final class OspreyTokenizer implements AutoCloseable {

    /** The tokenizer file inside a checkpoint or bundle tokenizer folder. */
    public static final String FILE_NAME = "tokenizer.json";

    // BOS is added by us where the reference adds it; DJL would otherwise also truncate at 512 ids.
    private static final Map<String, String> OPTIONS = Map.of("addSpecialTokens", "false", "truncation", "false");

    static {
        // DJL otherwise looks for the EC2 metadata service (a network call off this host) to send usage
        // telemetry; we run offline and never send anything. Set before DJL's classes initialise.
        System.setProperty("OPT_OUT_TRACKING", System.getProperty("OPT_OUT_TRACKING", "true"));
        System.setProperty("ai.djl.offline", System.getProperty("ai.djl.offline", "true"));
    }

    private final TokenizerJson json;
    private final SpecialIds specialIds;
    private final HuggingFaceTokenizer raw;
    private final HuggingFaceTokenizer text;

    private OspreyTokenizer(TokenizerJson json, SpecialIds specialIds, HuggingFaceTokenizer raw, HuggingFaceTokenizer text) {
        this.json = json;
        this.specialIds = specialIds;
        this.raw = raw;
        this.text = text;
    }

    /**
     * Loads {@code tokenizer.json} from a checkpoint or bundle tokenizer folder, or from the file itself.
     *
     * @throws OspreyException {@link Reason#BAD_BUNDLE} if the file is missing, malformed or lacks an
     *                         Osprey special token
     */
    public static OspreyTokenizer load(Path folderOrFile) {
        Path file = Files.isDirectory(folderOrFile) ? folderOrFile.resolve(FILE_NAME) : folderOrFile;
        TokenizerJson json = TokenizerJson.read(file);
        SpecialIds specialIds = new SpecialIds(json.addedId("<unk>"), json.addedId("<s>"), json.addedId("</s>"),
                json.addedId("<mask>"), json.addedId("<pos>"));
        HuggingFaceTokenizer raw = open(file, json.text());
        try {
            return new OspreyTokenizer(json, specialIds, raw, open(file, json.jsonWithoutAddedTokens()));
        } catch (OspreyException e) {
            raw.close();
            throw e;
        }
    }

    private static HuggingFaceTokenizer open(Path file, String tokenizerJson) {
        try (InputStream in = new ByteArrayInputStream(tokenizerJson.getBytes(StandardCharsets.UTF_8))) {
            return HuggingFaceTokenizer.newInstance(in, OPTIONS);
        } catch (IOException | RuntimeException e) {
            throw new OspreyException(Reason.BAD_BUNDLE, "cannot load tokenizer " + file + ": " + e.getMessage(), e);
        }
    }

    /**
     * Tokenises {@code text} as the reference does: added tokens written in the text become special
     * ids (a typed {@code <mask>} gives 32000). For the tokenizer conformance set and for text that
     * comes from no user; prompts go through {@link PromptEncoder}.
     *
     * @param addBos whether to prepend {@code <s>} (the reference's {@code add_special_tokens})
     */
    public int[] encode(String text, boolean addBos) {
        long[] ids = raw.encode(text).getIds();
        int offset = addBos ? 1 : 0;
        int[] result = new int[ids.length + offset];
        if (addBos) {
            result[0] = specialIds.bos();
        }
        for (int i = 0; i < ids.length; i++) {
            result[offset + i] = Math.toIntExact(ids[i]);
        }
        return result;
    }

    /**
     * Tokenises {@code segment} as plain text, without BOS: nothing in it can become a special id.
     * Like the reference's tokenisation of the text between two special tokens, the segment gets its
     * own leading "▁" (so " of" and "of" differ), hence a prompt is encoded segment by segment.
     */
    public int[] encodeText(String segment) {
        long[] ids = text.encode(segment).getIds();
        int[] result = new int[ids.length];
        for (int i = 0; i < ids.length; i++) {
            result[i] = Math.toIntExact(ids[i]);
            if (json.isSpecial(result[i]) || specialIds.contains(result[i])) {
                // Only a BPE merge that spells a special piece could get here; never let it through.
                throw new OspreyException(Reason.INTERNAL, "text tokenizer produced special id " + result[i]
                        + " for \"" + segment + "\"");
            }
        }
        return result;
    }

    /**
     * Decodes ids to text as the reference's {@code decode(ids, skip_special_tokens=True)}: special ids
     * are dropped, "▁" becomes a space, byte pieces are joined into UTF-8 characters (U+FFFD for each
     * byte of an invalid run) and one leading space is removed.
     */
    public String decode(int[] ids) {
        long[] longIds = new long[ids.length];
        for (int i = 0; i < ids.length; i++) {
            checkId(ids[i]);
            longIds[i] = ids[i];
        }
        return raw.decode(longIds, true);
    }

    /** A new incremental decoder for one generated sequence; see {@link StreamingDetokenizer}. */
    public StreamingDetokenizer detokenizer() {
        return new StreamingDetokenizer(this);
    }

    /** The special ids read from the file. */
    public SpecialIds specialIds() {
        return specialIds;
    }

    /** Number of ids, vocabulary plus added tokens (32002 for Osprey). */
    public int size() {
        return json.size();
    }

    /** The piece of an id as {@code tokenizer.json} spells it: "▁Hello", "<0x0A>", "<mask>". */
    public String piece(int id) {
        checkId(id);
        return json.piece(id);
    }

    /** Whether {@code id} is a special added token, which decoding skips. */
    public boolean isSpecial(int id) {
        checkId(id);
        return json.isSpecial(id);
    }

    private void checkId(int id) {
        if (id < 0 || id >= json.size() || json.piece(id) == null) {
            throw new OspreyException(Reason.INTERNAL, "token id " + id + " is not in the tokenizer "
                    + json.file() + " (" + json.size() + " ids)");
        }
    }

    /** Frees both native tokenizers. */
    @Override
    public void close() {
        raw.close();
        text.close();
    }
}
