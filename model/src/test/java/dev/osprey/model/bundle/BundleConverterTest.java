package dev.osprey.model.bundle;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.osprey.model.Golden;
import dev.osprey.model.checkpoint.SafetensorsFile;
import dev.osprey.model.decode.Cancellation;
import dev.osprey.model.decode.DecoderConfig;
import dev.osprey.model.decode.DecoderPrecision;
import dev.osprey.model.decode.DecoderSession;
import dev.osprey.model.decode.EmbeddingTable;
import dev.osprey.model.decode.InterleavedSequence;
import dev.osprey.model.decode.KvCache;
import dev.osprey.model.generate.GenerationRequest;
import dev.osprey.model.generate.Generator;
import dev.osprey.model.generate.SamplingSettings;
import dev.osprey.model.tensor.DType;
import dev.osprey.model.text.OspreyTokenizer;
import dev.osprey.model.vision.OnnxVisionTower;
import dev.osprey.model.vision.TritonRepository;
import dev.osprey.model.vision.VisionFeatures;
import dev.osprey.model.vision.VisionGraphBuilder;
import dev.osprey.model.vision.VisionPrecision;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/**
 * {@code osprey convert} on the golden checkpoint in the real layout (sharded bf16 PyTorch files):
 * the bundle's own files reproduce the reference outputs.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class BundleConverterTest {

    @TempDir
    static Path tmp;

    private Path bundleDir;
    private final List<String> progress = new ArrayList<>();

    @BeforeAll
    void convertGoldenCheckpoint() {
        bundleDir = tmp.resolve("fp32");
        new BundleConverter(progress::add).convert(Golden.binCheckpoint(), bundleDir, DecoderPrecision.FP32);
    }

    @Test
    void manifestDescribesTheCheckpoint() {
        ModelBundle bundle = ModelBundle.open(bundleDir);
        BundleManifest m = bundle.manifest();
        assertThat(m.precision()).isEqualTo("fp32");
        assertThat(m.llm()).isEqualTo(new BundleManifest.Llm(64, 2, 4, 4, 16, 172, 32000, 1e-5f, 10000f, 2048));
        assertThat(m.vision()).isEqualTo(new BundleManifest.Vision(List.of(1, 1, 2, 1), List.of(8, 16, 32, 64), 32, "fp32"));
        assertThat(m.extractor()).isEqualTo(new BundleManifest.Extractor(List.of(8, 16, 32, 64), 32, 112));
        assertThat(m.tokens().mask()).isEqualTo(32000);
        assertThat(bundle.tokenizerDir().resolve("tokenizer.json")).exists();
        assertThat(bundle.tritonRepository().resolve("osprey_vision/config.pbtxt")).exists();
        assertThat(progress).anyMatch(line -> line.startsWith("decoder model (fp32)"));
        try (SafetensorsFile extractor = SafetensorsFile.open(bundle.extractorWeights())) {
            assertThat(extractor.names()).hasSize(16).allMatch(name -> name.startsWith("mask_extractor."));
            assertThat(extractor.get("mask_extractor.res5.weight").dtype()).isEqualTo(DType.F32);
        }
    }

    @Test
    void bundledVisionModelReproducesGoldenFeatures() {
        ModelBundle bundle = ModelBundle.open(bundleDir);
        try (OnnxVisionTower tower = OnnxVisionTower.open(bundle.visionModel(), 1); SafetensorsFile golden = Golden.tensors("s1_img1")) {
            VisionFeatures features = tower.encode(golden.floats("pixel_values")).getFirst();
            Golden.assertClose("image_embeds", features.imageEmbeds(), golden.floats("image_embeds"), 1e-4, 1e-4);
            Golden.assertClose("res5", features.res5().values(), golden.floats("res5"), 1e-4, 1e-4);
        }
    }

    @Test
    void anInt8VisionBundleRecordsItsPrecisionAndServesItsGraphThroughTriton() throws IOException {
        Path int8 = tmp.resolve("int8-vision");
        BundleManifest m = new BundleConverter(progress::add).withVisionPrecision(VisionPrecision.INT8)
                .convert(Golden.binCheckpoint(), int8, DecoderPrecision.FP32);

        assertThat(m.vision().precision()).isEqualTo("int8");
        assertThat(ModelBundle.open(int8).manifest().vision().precision()).isEqualTo("int8");
        assertThat(progress).anyMatch(line -> line.startsWith("vision model (int8)"));
        ModelBundle bundle = ModelBundle.open(int8);
        Path triton = bundle.tritonRepository().resolve(TritonRepository.MODEL_NAME);
        // Same inputs and outputs as the fp32 graph, so clients and the encoder's Triton backend see no difference.
        assertThat(Files.readString(triton.resolve("config.pbtxt")))
                .isEqualTo(Files.readString(ModelBundle.open(bundleDir).tritonRepository().resolve(TritonRepository.MODEL_NAME).resolve("config.pbtxt")));
        assertThat(triton.resolve(TritonRepository.VERSION).resolve(TritonRepository.MODEL_FILE)).hasSameBinaryContentAs(bundle.visionModel());
        assertThat(triton.resolve(TritonRepository.VERSION).resolve(VisionGraphBuilder.DATA_FILE))
                .hasSameBinaryContentAs(bundle.visionModel().resolveSibling(VisionGraphBuilder.DATA_FILE));
        // A quarter of fp32's bytes for the MLP and projector weights.
        assertThat(Files.size(bundle.visionModel().resolveSibling(VisionGraphBuilder.DATA_FILE)))
                .isLessThan(Files.size(ModelBundle.open(bundleDir).visionModel().resolveSibling(VisionGraphBuilder.DATA_FILE)) / 2);
    }

    @Test
    void aManifestWithoutAVisionPrecisionIsAnFp32Bundle() throws IOException {
        JsonMapper json = JsonMapper.builder().build();
        ObjectNode manifest = (ObjectNode) json.readTree(
                Files.readString(bundleDir.resolve(BundleManifest.FILE_NAME)));
        ((ObjectNode) manifest.get("vision")).remove("precision");
        Path older = tmp.resolve("older-manifest");
        Files.createDirectories(older);
        Files.writeString(older.resolve(BundleManifest.FILE_NAME), json.writeValueAsString(manifest));

        assertThat(BundleManifest.read(older).vision().precision()).isEqualTo("fp32");
    }

    @Test
    void bundledDecoderReproducesGoldenLogitsAndGreedyIds() throws IOException {
        ModelBundle bundle = ModelBundle.open(bundleDir);
        JsonNode shortTask = JsonMapper.builder().build().readTree(Files.readString(Golden.file("reference/s1_img0/result.json")))
                .path("tasks").path("short");
        JsonNode run = shortTask.path("runs").get(0);
        int[] inputIds = ints(shortTask.path("input_ids"));
        try (SafetensorsFile embeddings = SafetensorsFile.open(bundle.embeddings()); SafetensorsFile golden = Golden.tensors("s1_img0")) {
            EmbeddingTable table = EmbeddingTable.from(embeddings);
            int hidden = bundle.manifest().llm().hidden();
            float[] mask = java.util.Arrays.copyOfRange(golden.floats("mask_tokens"), 0, hidden);
            float[] pos = java.util.Arrays.copyOfRange(golden.floats("pos_tokens"), 0, hidden);
            InterleavedSequence sequence = InterleavedSequence.assemble(inputIds, table, golden.floats("image_embeds"), mask, pos);
            DecoderConfig config = bundle.decoderConfig();
            try (DecoderSession session = DecoderSession.open(bundle.decoderModel(), config, 1);
                    KvCache cache = session.newCache(1, sequence.length() + 16)) {
                float[] logits = session.prefill(cache, sequence.embeds(), sequence.length(), Cancellation.NONE);
                Golden.assertClose("logits_first.short.m0", logits, golden.floats("logits_first.short.m0"), 1e-3, 1e-4);
                assertThat(Golden.relativeMaxError(logits, golden.floats("logits_first.short.m0"))).isLessThan(1e-4);
            }
            try (DecoderSession session = DecoderSession.open(bundle.decoderModel(), config, 1);
                    KvCache cache = session.newCache(1, sequence.length() + 16);
                    OspreyTokenizer tokenizer = OspreyTokenizer.load(bundle.tokenizerDir())) {
                float[] logits = session.prefill(cache, sequence.embeds(), sequence.length(), Cancellation.NONE);
                int[] ids = new Generator(session, table, tokenizer).generate(cache, new Generator.Prefilled(logits, 0, Duration.ZERO),
                        GenerationRequest.of(SamplingSettings.greedy(), 16)).getFirst().outputIds();
                int reliable = run.path("greedy").path("reliable_prefix_len").asInt();
                assertThat(java.util.Arrays.copyOf(ids, reliable))
                        .containsExactly(java.util.Arrays.copyOf(ints(run.path("greedy").path("new_ids")), reliable));
            }
        }
    }

    @Test
    void convertingAgainReplacesTheBundle() {
        new BundleConverter(line -> { }).convert(Golden.binCheckpoint(), bundleDir, DecoderPrecision.FP32);
        assertThat(ModelBundle.open(bundleDir).manifest().precision()).isEqualTo("fp32");
        assertThat(bundleDir.resolveSibling(bundleDir.getFileName() + ".converting")).doesNotExist();
    }

    @Test
    void refusesToOverwriteAFolderThatIsNotABundle() throws IOException {
        Path notABundle = tmp.resolve("photos");
        Files.createDirectories(notABundle);
        Files.writeString(notABundle.resolve("holiday.jpg"), "x");

        assertThatThrownBy(() -> new BundleConverter(line -> { }).convert(Golden.binCheckpoint(), notABundle, DecoderPrecision.INT8))
                .hasMessageContaining("not a model bundle");
        assertThat(notABundle.resolve("holiday.jpg")).exists();
    }

    @Test
    void integerWeightsAreAnUnsupportedDtype() throws IOException {
        Path checkpoint = tmp.resolve("int-weights");
        Files.createDirectories(checkpoint);
        Files.copy(Golden.safetensorsCheckpoint().resolve("config.json"), checkpoint.resolve("config.json"));
        try (SafetensorsFile golden = SafetensorsFile.open(Golden.safetensorsCheckpoint().resolve("model.safetensors"))) {
            List<dev.osprey.model.tensor.Tensor> tensors = new ArrayList<>();
            for (String name : golden.names()) {
                dev.osprey.model.tensor.Tensor t = golden.get(name);
                tensors.add(name.equals("model.norm.weight")
                        ? new dev.osprey.model.tensor.Tensor(name, DType.I32, new long[] {32}, java.nio.ByteBuffer.allocate(128))
                        : t);
            }
            dev.osprey.model.checkpoint.SafetensorsWriter.writeTensors(checkpoint.resolve("model.safetensors"), tensors, java.util.Map.of());
        }

        assertThatThrownBy(() -> new BundleConverter(line -> { }).convert(checkpoint, tmp.resolve("int-bundle"), DecoderPrecision.FP32))
                .hasMessageContaining("unsupported dtype").hasMessageContaining("model.norm.weight").hasMessageContaining("I32");
    }

    @Test
    void openingAFolderWithoutManifestSaysHowToMakeABundle() {
        assertThatThrownBy(() -> ModelBundle.open(tmp)).hasMessageContaining("osprey convert");
    }

    private static int[] ints(JsonNode array) {
        int[] out = new int[array.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = array.get(i).asInt();
        }
        return out;
    }
}
