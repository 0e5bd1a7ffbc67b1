package dev.osprey.model.sam;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.osprey.model.GoldenSam;
import dev.osprey.model.checkpoint.SafetensorsFile;
import dev.osprey.model.checkpoint.SafetensorsWriter;
import dev.osprey.model.error.OspreyException;
import dev.osprey.model.error.Reason;
import dev.osprey.model.tensor.Tensor;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.core.type.TypeReference;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/** Reading SAM checkpoints: the geometry from shapes and sam_config.json, and errors that name the problem. */
class SamCheckpointTest {

    @TempDir
    Path dir;

    @Test
    void pthWithItsConfigBesideHasTheGoldenGeometry() {
        JsonNode json = SamGolden.json(GoldenSam.config());
        JsonNode encoder = json.get("image_encoder");
        JsonNode decoder = json.get("mask_decoder");
        JsonNode transformer = decoder.get("transformer");
        try (SamCheckpoint checkpoint = SamCheckpoint.open(GoldenSam.pthCheckpoint(), null)) {
            SamConfig c = checkpoint.config();
            assertThat(List.of(c.imageSize(), c.patchSize(), c.encoderDim(), c.encoderDepth(), c.encoderHeads(), c.windowSize()))
                    .containsExactly(json.get("image_size").asInt(), json.get("patch_size").asInt(), encoder.get("embed_dim").asInt(),
                            encoder.get("depth").asInt(), encoder.get("num_heads").asInt(), encoder.get("window_size").asInt());
            assertThat(c.encoderMlpDim()).isEqualTo((int) (encoder.get("mlp_ratio").asDouble() * c.encoderDim()));
            assertThat(c.globalAttnIndexes()).containsExactlyElementsOf(
                    SamGolden.JSON.convertValue(encoder.get("global_attn_indexes"), new TypeReference<List<Integer>>() { }));
            assertThat(List.of(c.channels(), c.maskInChans(), c.decoderDepth(), c.decoderHeads(), c.decoderMlpDim(), c.attentionDownsample(),
                    c.iouHeadDepth(), c.iouHeadHiddenDim(), c.multimaskOutputs())).containsExactly(encoder.get("out_chans").asInt(),
                    json.get("prompt_encoder").get("mask_in_chans").asInt(), transformer.get("depth").asInt(), transformer.get("num_heads").asInt(),
                    transformer.get("mlp_dim").asInt(), transformer.get("attention_downsample_rate").asInt(), decoder.get("iou_head_depth").asInt(),
                    decoder.get("iou_head_hidden_dim").asInt(), decoder.get("num_multimask_outputs").asInt());
            assertThat(List.of(c.gridSide(), c.lowResSide())).containsExactly(json.get("image_embedding_size").get(0).asInt(),
                    json.get("low_res_mask_size").get(0).asInt());
            assertThat(c.encoderLayerNormEps()).isEqualTo(encoder.get("layer_norm_eps").asDouble());
            assertThat(c.decoderLayerNormEps()).isEqualTo(transformer.get("layer_norm_eps").asDouble());
            assertThat(SamConfig.read(write(c.toJson()))).isEqualTo(c);
        }
    }

    @Test
    void safetensorsCopyReadsTheSameTensorsAndGeometry() {
        try (SamCheckpoint pth = SamCheckpoint.open(GoldenSam.pthCheckpoint(), null);
                SamCheckpoint safetensors = SamCheckpoint.open(GoldenSam.file("checkpoint/sam_tiny.safetensors"), null)) {
            assertThat(safetensors.config()).isEqualTo(pth.config());
            assertThat(safetensors.weights().names()).containsExactlyInAnyOrderElementsOf(pth.weights().names());
            String key = SamKeys.block(1) + "attn.rel_pos_h";
            assertThat(safetensors.weights().floats(key)).containsExactly(pth.weights().floats(key));
        }
    }

    @Test
    void unknownGeometryWithoutConfigAsksForOne() throws IOException {
        Path copy = Files.copy(GoldenSam.pthCheckpoint(), dir.resolve("sam_tiny.pth"));
        assertThatThrownBy(() -> SamCheckpoint.open(copy, null)).isInstanceOf(OspreyException.class)
                .hasMessageContaining("are not vit_b, vit_l or vit_h").hasMessageContaining("sam_config.json");
    }

    @Test
    void configFieldThatContradictsTheShapesIsNamed() throws IOException {
        ObjectNode json = (ObjectNode) SamGolden.json(GoldenSam.config());
        int window = json.get("image_encoder").get("window_size").asInt();
        ((ObjectNode) json.get("image_encoder")).put("window_size", window + 1);
        assertThatThrownBy(() -> SamCheckpoint.open(GoldenSam.pthCheckpoint(), write(json.toString()))).isInstanceOf(OspreyException.class)
                .hasMessageContaining("image_encoder.window_size is " + (window + 1) + " but the weights' shapes give " + window);
    }

    @Test
    void fileNameNamingAnotherVariantIsRejected() throws IOException {
        Path copy = Files.copy(GoldenSam.pthCheckpoint(), dir.resolve("sam_vit_b_01ec64.pth"));
        assertThatThrownBy(() -> SamCheckpoint.open(copy, GoldenSam.config())).hasMessageContaining("says vit_b");
    }

    @Test
    void missingTensorIsNamed() {
        String key = SamKeys.TRANSFORMER + "layers.0.norm4.bias";
        Path file = rewritten(tensors -> tensors.stream().filter(t -> !t.name().equals(key)).toList());
        assertThatThrownBy(() -> SamCheckpoint.open(file, GoldenSam.config())).isInstanceOf(OspreyException.class)
                .satisfies(e -> assertThat(((OspreyException) e).reason()).isEqualTo(Reason.BAD_CHECKPOINT))
                .hasMessageContaining("missing " + key);
    }

    @Test
    void misShapedTensorIsNamed() {
        String key = SamKeys.DECODER + "iou_prediction_head.layers.0.bias";
        long width = SamGolden.tinyConfig().iouHeadHiddenDim();
        Path file = rewritten(tensors -> tensors.stream()
                .map(t -> t.name().equals(key) ? Tensor.ofFloats(key, new long[] {width - 1}, new float[(int) width - 1]) : t).toList());
        assertThatThrownBy(() -> SamCheckpoint.open(file, GoldenSam.config()))
                .hasMessageContaining(key + " is [" + (width - 1) + "], expected [" + width + "]");
    }

    @Test
    void unexpectedTensorIsNamed() {
        Path file = rewritten(tensors -> {
            List<Tensor> more = new ArrayList<>(tensors);
            more.add(Tensor.ofFloats("image_encoder.extra", new long[] {1}, new float[1]));
            return more;
        });
        assertThatThrownBy(() -> SamCheckpoint.open(file, GoldenSam.config())).hasMessageContaining("unexpected image_encoder.extra");
    }

    @Test
    void notASamCheckpointSaysSo() {
        Path file = rewritten(tensors -> List.of(Tensor.ofFloats("model.embed_tokens.weight", new long[] {2, 2}, new float[4])));
        assertThatThrownBy(() -> SamCheckpoint.open(file, null)).hasMessageContaining("SAM checkpoint lacks image_encoder.patch_embed.proj.weight");
    }

    @Test
    void missingFilesAreBadInput() {
        assertThatThrownBy(() -> SamCheckpoint.open(dir.resolve("none.pth"), null)).hasMessageContaining("does not exist");
        assertThatThrownBy(() -> SamCheckpoint.open(GoldenSam.pthCheckpoint(), dir.resolve("none.json"))).hasMessageContaining("does not exist");
    }

    private Path rewritten(UnaryOperator<List<Tensor>> change) {
        Path out = dir.resolve("changed.safetensors");
        try (SafetensorsFile in = SafetensorsFile.open(GoldenSam.file("checkpoint/sam_tiny.safetensors"))) {
            SafetensorsWriter.writeTensors(out, change.apply(in.names().stream().map(in::get).toList()), Map.of());
        }
        return out;
    }

    private Path write(String json) {
        try {
            return Files.writeString(dir.resolve("config-" + json.hashCode() + ".json"), json);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
