package dev.osprey.model.bundle;

import dev.osprey.model.decode.DecoderGraphBuilder;
import dev.osprey.model.error.OspreyException;
import dev.osprey.model.error.Reason;
import dev.osprey.model.vision.VisionGraphBuilder;
import dev.osprey.model.vision.VisionPrecision;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import tools.jackson.databind.DeserializationFeature;
import tools.jackson.databind.PropertyNamingStrategies;
import tools.jackson.databind.SerializationFeature;
import tools.jackson.databind.json.JsonMapper;

/**
 * {@code bundle.json}: everything a service needs to know about a bundle before loading it. Sizes
 * come from the converted checkpoint, never from constants.
 *
 * @param format        always {@value #FORMAT}
 * @param formatVersion bumped when the layout changes incompatibly; readers reject other versions
 * @param source        where the weights came from
 * @param precision     the decoder's weight precision: fp32, fp16, int8 or int4
 * @param image         input geometry and normalisation
 * @param vision        the vision tower's shape and precision
 * @param llm           the language model's shape
 * @param extractor     the mask extractor's shape
 * @param tokens        special token ids
 * @param template      the conversation template name
 * @param files         file names inside the bundle
 * @param sam           the optional Segment Anything part, or null when the bundle has none
 */
public record BundleManifest(String format, int formatVersion, Source source, String precision, Image image,
        Vision vision, Llm llm, Extractor extractor, Tokens tokens, String template, Files files, Sam sam) {

    public static final String FORMAT = "osprey-bundle";
    public static final int FORMAT_VERSION = 1;
    public static final String FILE_NAME = "bundle.json";

    /** @param checkpoint the directory converted; @param name its {@code _name_or_path} */
    public record Source(String checkpoint, String name, String dtype) {
    }

    /** Input images: side after preprocessing, CLIP mean/std, tokens per image. */
    public record Image(int size, List<Double> mean, List<Double> std, int tokens) {

        /** The reference's 512x512 input with OpenAI-CLIP normalisation and 1024 tokens. */
        public static Image osprey() {
            return new Image(512, List.of(0.48145466, 0.4578275, 0.40821073), List.of(0.26862954, 0.26130258, 0.27577711), 1024);
        }
    }

    /**
     * ConvNeXt depths and dims per stage, the projector's input width, and the precision of the
     * graph's block MLPs and projector ({@link VisionPrecision#label()}: fp32 or int8).
     */
    public record Vision(List<Integer> depths, List<Integer> dims, int mmHidden, String precision) {

        public Vision {
            // Bundles written before the vision precision existed are float32.
            precision = precision == null ? VisionPrecision.FP32.label() : precision;
        }
    }

    /** Llama sizes; {@code maxContext} bounds prompt + image tokens + generated tokens. */
    public record Llm(int hidden, int layers, int heads, int kvHeads, int headDim, int intermediate, int vocab,
            float rmsNormEps, float ropeTheta, int maxContext) {
    }

    /** Per-level widths of res2..res5, the extractor width and the position-mask side. */
    public record Extractor(List<Integer> levelDims, int embedDim, int maskShape) {
    }

    /** Special ids: the image sentinel is never embedded, mask/pos are replaced by region tokens. */
    public record Tokens(int bos, int eos, int unk, int pad, int mask, int pos, int imageSentinel) {

        public static Tokens osprey() {
            return new Tokens(1, 2, 0, 0, 32000, 32001, -200);
        }
    }

    /**
     * File and folder names inside the bundle.
     *
     * @param prefillDecoder the decoder graph for long prompts ({@code osprey convert --prefill-weights int8}); null if none
     */
    public record Files(String vision, String decoder, String extractor, String embeddings, String tokenizer, String triton,
            String prefillDecoder) {

        public static Files standard() {
            // The graph builders choose their own file names; the manifest records what they wrote.
            return new Files(VisionGraphBuilder.MODEL_FILE, DecoderGraphBuilder.MODEL_FILE, "extractor.safetensors", "embed_tokens.safetensors",
                    "tokenizer", "triton", null);
        }

        /** These names with a prefill decoder graph. */
        public Files withPrefillDecoder(String file) {
            return new Files(vision, decoder, extractor, embeddings, tokenizer, triton, file);
        }
    }

    /**
     * The Segment Anything part ({@code osprey convert --sam}): a folder holding the image encoder and
     * prompt decoder graphs and {@code sam_config.json}.
     *
     * @param dir        the folder's name inside the bundle
     * @param variant    vit_b, vit_l, vit_h or custom
     * @param checkpoint the SAM checkpoint converted
     */
    public record Sam(String dir, String variant, String checkpoint) {
    }

    /** This manifest with a SAM part. */
    public BundleManifest withSam(Sam part) {
        return new BundleManifest(format, formatVersion, source, precision, image, vision, llm, extractor, tokens, template, files, part);
    }

    private static final JsonMapper JSON = JsonMapper.builder()
            .propertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE)
            .enable(SerializationFeature.INDENT_OUTPUT)
            .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .build();

    /** Writes {@code bundle.json} into the bundle directory. */
    public void write(Path bundleDir) {
        try {
            java.nio.file.Files.writeString(bundleDir.resolve(FILE_NAME), JSON.writeValueAsString(this));
        } catch (IOException e) {
            throw new OspreyException(Reason.INTERNAL, "cannot write " + bundleDir.resolve(FILE_NAME) + ": " + e.getMessage(), e);
        }
    }

    /** Reads and checks {@code bundle.json} of a bundle directory. */
    public static BundleManifest read(Path bundleDir) {
        Path file = bundleDir.resolve(FILE_NAME);
        if (!java.nio.file.Files.isRegularFile(file)) {
            throw new OspreyException(Reason.BAD_BUNDLE, bundleDir + " is not a model bundle (no " + FILE_NAME
                    + "); create one with 'osprey convert --checkpoint DIR --out " + bundleDir + "'");
        }
        BundleManifest manifest;
        try {
            manifest = JSON.readValue(java.nio.file.Files.readString(file), BundleManifest.class);
        } catch (IOException | RuntimeException e) {
            throw new OspreyException(Reason.BAD_BUNDLE, "cannot read " + file + ": " + e.getMessage(), e);
        }
        if (!FORMAT.equals(manifest.format()) || manifest.formatVersion() != FORMAT_VERSION) {
            throw new OspreyException(Reason.BAD_BUNDLE, file + " is format " + manifest.format() + " v" + manifest.formatVersion()
                    + ", this build reads " + FORMAT + " v" + FORMAT_VERSION + "; convert the checkpoint again");
        }
        return manifest;
    }
}
