package dev.osprey.model.decode;

import dev.osprey.model.Golden;
import dev.osprey.model.checkpoint.SafetensorsFile;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.BiConsumer;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/** The golden language-model runs: every case × task × run of {@code reference/<case>/result.json}. */
final class GoldenRuns {

    /** One run: a prompt with its regions and the reference's outputs. */
    record Run(String caseName, String task, int[] inputIds, int[] maskIndices, int sequenceLength, int[] imageSpan,
            int[] maskPositions, int[] posPositions, int[] top5Ids, String logitsTensor, int[] greedyIds, String greedyText,
            int reliablePrefix) {

        /** "s1_img0 short m[0]". */
        String label() {
            return caseName + " " + task + " m" + Arrays.toString(maskIndices);
        }

        /** The assembled input of this run from the case's golden image, mask and pos tokens. */
        InterleavedSequence assemble(EmbeddingTable table, CaseTensors tensors) {
            return InterleavedSequence.assemble(inputIds, table, tensors.imageEmbeds(),
                    tensors.rows(tensors.maskTokens(), maskIndices), tensors.rows(tensors.posTokens(), maskIndices));
        }
    }

    /** The float32 tensors of one case that feed the decoder. */
    record CaseTensors(int hidden, float[] imageEmbeds, float[] maskTokens, float[] posTokens, Map<String, float[]> logits) {

        float[] rows(float[] matrix, int[] indices) {
            float[] out = new float[indices.length * hidden];
            for (int i = 0; i < indices.length; i++) {
                System.arraycopy(matrix, indices[i] * hidden, out, i * hidden, hidden);
            }
            return out;
        }
    }

    private static final JsonMapper JSON = JsonMapper.builder().build();

    private GoldenRuns() {
    }

    /** Every run of every golden case, in file order. */
    static List<Run> all() {
        List<Run> runs = new ArrayList<>();
        for (String caseName : Golden.CASES) {
            JsonNode tasks = result(caseName).get("tasks");
            for (Map.Entry<String, JsonNode> task : tasks.properties()) {
                for (JsonNode run : task.getValue().get("runs")) {
                    runs.add(run(caseName, task.getKey(), task.getValue(), run));
                }
            }
        }
        return runs;
    }

    /** Calls {@code action} for every run with its case's tensors (each case's file is read once). */
    static void forEach(BiConsumer<Run, CaseTensors> action) {
        List<Run> runs = all();
        for (String caseName : Golden.CASES) {
            CaseTensors tensors = tensors(caseName);
            runs.stream().filter(run -> run.caseName().equals(caseName)).forEach(run -> action.accept(run, tensors));
        }
    }

    /** The decoder inputs and logits of one case. */
    static CaseTensors tensors(String caseName) {
        try (SafetensorsFile file = Golden.tensors(caseName)) {
            Map<String, float[]> logits = new HashMap<>();
            for (String name : file.names()) {
                if (name.startsWith("logits_first.")) {
                    logits.put(name, file.floats(name));
                }
            }
            return new CaseTensors(Math.toIntExact(file.get("image_embeds").shape()[1]), file.floats("image_embeds"),
                    file.floats("mask_tokens"), file.floats("pos_tokens"), logits);
        }
    }

    private static JsonNode result(String caseName) {
        Path file = Golden.file("reference/" + caseName + "/result.json");
        try {
            return JSON.readTree(Files.readString(file));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static Run run(String caseName, String task, JsonNode taskNode, JsonNode run) {
        JsonNode greedy = run.get("greedy");
        JsonNode span = run.get("image_token_span");
        return new Run(caseName, task, ints(taskNode.get("input_ids")), ints(run.get("mask_indices")),
                run.get("sequence_length").asInt(), new int[] {span.get(0).asInt(), span.get(1).asInt()},
                ints(run.get("mask_token_positions")), ints(run.get("pos_token_positions")),
                ints(run.get("first_step_top5").get("ids")), run.get("tensors").get("logits_first").asString(),
                ints(greedy.get("new_ids")), greedy.get("text").asString(), greedy.get("reliable_prefix_len").asInt());
    }

    private static int[] ints(JsonNode array) {
        int[] out = new int[array.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = array.get(i).asInt();
        }
        return out;
    }
}
