package dev.osprey.model.text;

import dev.osprey.model.error.OspreyException;
import dev.osprey.model.error.Reason;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/**
 * A Hugging Face {@code tokenizer.json} read as data: the piece of every id (vocabulary and added
 * tokens), which ids are special, and a copy of the file without added tokens for encoding user text.
 */
final class TokenizerJson {

    private static final JsonMapper JSON = JsonMapper.builder().build();

    private final Path file;
    private final String text;
    private final ObjectNode root;
    private final String[] pieces;
    private final boolean[] special;
    private final Map<String, Integer> addedIds;

    private TokenizerJson(Path file, String text, ObjectNode root, String[] pieces, boolean[] special,
            Map<String, Integer> addedIds) {
        this.file = file;
        this.text = text;
        this.root = root;
        this.pieces = pieces;
        this.special = special;
        this.addedIds = addedIds;
    }

    /** Reads {@code file}; a missing or malformed file is a {@link Reason#BAD_BUNDLE} failure. */
    static TokenizerJson read(Path file) {
        String text;
        ObjectNode root;
        try {
            text = Files.readString(file);
            root = (ObjectNode) JSON.readTree(text);
        } catch (IOException | RuntimeException e) {
            throw new OspreyException(Reason.BAD_BUNDLE, "cannot read tokenizer " + file + ": " + e.getMessage(), e);
        }
        JsonNode vocab = root.path("model").path("vocab");
        if (!vocab.isObject() || vocab.isEmpty()) {
            throw new OspreyException(Reason.BAD_BUNDLE, file + " has no model.vocab; expected a BPE tokenizer.json");
        }
        Map<String, Integer> addedIds = new HashMap<>();
        Map<Integer, String> byId = new HashMap<>();
        int size = 0;
        for (Map.Entry<String, JsonNode> entry : vocab.properties()) {
            byId.put(entry.getValue().asInt(), entry.getKey());
            size = Math.max(size, entry.getValue().asInt() + 1);
        }
        Map<Integer, Boolean> specialById = new HashMap<>();
        for (JsonNode added : root.path("added_tokens")) {
            int id = added.path("id").asInt();
            String content = added.path("content").asString();
            byId.put(id, content);
            addedIds.put(content, id);
            specialById.put(id, added.path("special").asBoolean(false));
            size = Math.max(size, id + 1);
        }
        String[] pieces = new String[size];
        boolean[] special = new boolean[size];
        byId.forEach((id, piece) -> pieces[id] = piece);
        specialById.forEach((id, isSpecial) -> special[id] = isSpecial);
        return new TokenizerJson(file, text, root, pieces, special, addedIds);
    }

    /** The file this was read from. */
    Path file() {
        return file;
    }

    /** The file's text, unchanged. */
    String text() {
        return text;
    }

    /**
     * The file with no added tokens at all: {@code <mask>}, {@code <pos>} and also {@code <s>},
     * {@code </s>}, {@code <unk>} (which are added tokens too, besides being vocabulary entries), so
     * that no text can match one of them; the BPE model, normaliser and decoder stay as they are.
     */
    String jsonWithoutAddedTokens() {
        ObjectNode copy = root.deepCopy();
        copy.putArray("added_tokens");
        return JSON.writeValueAsString(copy);
    }

    /** Number of ids (vocabulary plus added tokens). */
    int size() {
        return pieces.length;
    }

    /** The piece of {@code id} as the file spells it (e.g. "▁Hello", "<0x0A>", "<mask>"); null for a gap. */
    String piece(int id) {
        return pieces[id];
    }

    /** Whether {@code id} is an added token marked special (skipped when decoding). */
    boolean isSpecial(int id) {
        return special[id];
    }

    /** The id of an added token, which must exist. */
    int addedId(String content) {
        Integer id = addedIds.get(content);
        if (id == null) {
            throw new OspreyException(Reason.BAD_BUNDLE, file + " has no added token " + content
                    + "; use the tokenizer of an Osprey checkpoint (it adds <mask> and <pos>)");
        }
        return id;
    }
}
