package dev.osprey.llm;

import dev.osprey.internal.v1.RegionTokens;
import dev.osprey.model.Golden;
import dev.osprey.model.checkpoint.SafetensorsFile;
import dev.osprey.model.pipeline.ImageId;
import dev.osprey.service.TensorMessages;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * One golden case as the llm-service sees it: the image's id, its image tokens (what encoder-service
 * serves) and its region tokens (what extractor-service sends), with the reference's results.
 */
record GoldenImage(String caseName, String imageId, float[] imageEmbeds, float[] maskTokens, float[] posTokens, int regions,
        int hidden, JsonNode result) {

    static GoldenImage read(String caseName) {
        try (SafetensorsFile tensors = Golden.tensors(caseName)) {
            long[] shape = tensors.get("mask_tokens").shape();
            byte[] image = Files.readAllBytes(Golden.file("inputs/images/" + caseName + ".png"));
            JsonNode result = JsonMapper.builder().build().readTree(Files.readString(Golden.file("reference/" + caseName + "/result.json")));
            return new GoldenImage(caseName, ImageId.of(image), tensors.floats("image_embeds"), tensors.floats("mask_tokens"),
                    tensors.floats("pos_tokens"), Math.toIntExact(shape[0]), Math.toIntExact(shape[1]), result);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Every region's tokens, as a Generate request carries them. */
    RegionTokens regionTokens() {
        return RegionTokens.newBuilder()
                .setMaskTokens(TensorMessages.floats("mask_tokens", new long[] {regions, hidden}, maskTokens))
                .setPosTokens(TensorMessages.floats("pos_tokens", new long[] {regions, hidden}, posTokens))
                .build();
    }

    /** The reference's greedy run of {@code task} ("short", "detailed", "category", "multi_region") for {@code run}. */
    JsonNode greedy(String task, int run) {
        return result.get("tasks").get(task).get("runs").get(run).get("greedy");
    }
}
