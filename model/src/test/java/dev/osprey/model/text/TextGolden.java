package dev.osprey.model.text;

import dev.osprey.model.Golden;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.List;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/** The golden text data: the checkpoint's tokenizer, the conformance set and every task's prompt. */
final class TextGolden {

    private static final JsonMapper JSON = JsonMapper.builder().build();

    private TextGolden() {
    }

    /**
     * The tiny checkpoint's tokenizer (the real LLaMA tokenizer plus {@code <mask>}, {@code <pos>}),
     * loaded once and shared by the text tests (it is thread-safe); the JVM's exit frees it.
     */
    static OspreyTokenizer tokenizer() {
        return Shared.TOKENIZER;
    }

    private static final class Shared {
        static final OspreyTokenizer TOKENIZER = OspreyTokenizer.load(Golden.safetensorsCheckpoint());
    }

    /** A golden JSON file. */
    static JsonNode json(String relative) {
        try {
            return JSON.readTree(Files.readString(Golden.file(relative)));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The 50 items of {@code conformance/tokenizer/tokenizer_cases.json}. */
    static List<JsonNode> conformanceItems() {
        List<JsonNode> items = new ArrayList<>();
        json("conformance/tokenizer/tokenizer_cases.json").path("items").forEach(items::add);
        return items;
    }

    /**
     * One golden task prompt.
     *
     * @param source      "prompts.json" or the case name
     * @param task        short, detailed, category or multi_region
     * @param regionCount the masks of the case (for prompts.json: the slots of the message)
     * @param golden      the task's JSON: prompt, input_ids, ...
     */
    record TaskCase(String source, String task, int regionCount, JsonNode golden) {

        @Override
        public String toString() {
            return source + " " + task;
        }
    }

    /** Every task of prompts.json and of every case's result.json. */
    static List<TaskCase> taskCases() {
        List<TaskCase> cases = new ArrayList<>();
        JsonNode prompts = json("reference/prompts.json");
        for (String task : prompts.propertyNames()) {
            String message = prompts.path(task).path("user_message").asString();
            int slots = message.split("<mask>", -1).length - 1;
            cases.add(new TaskCase("prompts.json", task, slots, prompts.path(task)));
        }
        for (String caseName : Golden.CASES) {
            JsonNode result = json("reference/" + caseName + "/result.json");
            JsonNode tasks = result.path("tasks");
            for (String task : tasks.propertyNames()) {
                cases.add(new TaskCase(caseName, task, result.path("masks").size(), tasks.path(task)));
            }
        }
        return cases;
    }

    /** A JSON array of ints. */
    static int[] ints(JsonNode array) {
        int[] values = new int[array.size()];
        for (int i = 0; i < values.length; i++) {
            values[i] = array.get(i).asInt();
        }
        return values;
    }
}
