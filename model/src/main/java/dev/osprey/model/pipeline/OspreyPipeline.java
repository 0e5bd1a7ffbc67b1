package dev.osprey.model.pipeline;

import dev.osprey.model.bundle.ModelBundle;
import dev.osprey.model.checkpoint.SafetensorsFile;
import dev.osprey.model.decode.PrefixCache;
import dev.osprey.model.error.OspreyException;
import dev.osprey.model.generate.GenerationRequest;
import dev.osprey.model.image.ImageDecoder;
import dev.osprey.model.image.RgbImage;
import dev.osprey.model.mask.BinaryMask;
import dev.osprey.model.mask.MaskCodec;
import dev.osprey.model.region.FeatureMaps;
import dev.osprey.model.region.MaskExtractor;
import dev.osprey.model.region.MaskExtractorWeights;
import dev.osprey.model.region.RegionTokens;
import dev.osprey.model.text.OspreyTokenizer;
import dev.osprey.model.vision.VisionFeatures;
import java.util.ArrayList;
import java.util.List;

/**
 * Image bytes + masks + a question → answers, in one process: encode the image
 * ({@link ImageEncoder}), extract the region tokens ({@link MaskExtractor}), then let a
 * {@link RegionChat} encode the prompts and generate. A task's prompts (one per mask) decode together
 * as one batch. Thread-safe for concurrent {@link #answer} calls; close it when done.
 *
 * <pre>{@code
 * try (OspreyPipeline pipeline = new OspreyPipeline(ModelBundle.open(dir), 0)) {
 *     List<Answer> answers = pipeline.answer(imageBytes, masks, new Question.Task(TaskPrompt.SHORT),
 *             GenerationRequest.of(SamplingSettings.greedy(), 64));
 * }
 * }</pre>
 */
public final class OspreyPipeline implements AutoCloseable {

    private final ImageEncoder imageEncoder;
    private final SafetensorsFile extractorFile;
    private final MaskExtractor extractor;
    private final RegionChat chat;

    /**
     * Opens every part of {@code bundle}, without a prefix cache (every question prefills its whole prompt).
     *
     * @param threads intra-op threads per ONNX Runtime session; 0 = one per core
     */
    public OspreyPipeline(ModelBundle bundle, int threads) {
        this(bundle, threads, null);
    }

    /**
     * Opens every part of {@code bundle}, reusing image prefixes through {@code prefixes}.
     *
     * @param threads  intra-op threads per ONNX Runtime session; 0 = one per core
     * @param prefixes the prefix cache (may be shared by pipelines of different bundles); null for none
     */
    public OspreyPipeline(ModelBundle bundle, int threads, PrefixCache prefixes) {
        List<AutoCloseable> opened = new ArrayList<>();
        try {
            imageEncoder = Resources.track(opened, new ImageEncoder(bundle, new ImageDecoder(), threads));
            extractorFile = Resources.track(opened, SafetensorsFile.open(bundle.extractorWeights()));
            extractor = new MaskExtractor(MaskExtractorWeights.load(extractorFile));
            chat = Resources.track(opened, new RegionChat(bundle, threads, prefixes));
        } catch (RuntimeException e) {
            Resources.closeAll(opened.reversed(), e);
            throw e;
        }
    }

    /** The tokenizer of the bundle (e.g. to decode ids). */
    public OspreyTokenizer tokenizer() {
        return chat.tokenizer();
    }

    /** The prefix cache; null if this pipeline has none. */
    public PrefixCache prefixCache() {
        return chat.prefixCache();
    }

    /** How many times the decoder graph has run (one run per step for a whole batch). */
    public long decoderRuns() {
        return chat.decoderRuns();
    }

    /**
     * Answers {@code question} about the regions {@code masks} (at the image's size, in
     * {@code <regionN>} order) of the image.
     *
     * @return a task's answers, one per mask in mask order; a free prompt's single answer
     * @throws OspreyException BAD_INPUT for an undecodable image, a mask of another size (naming the
     *                         region), a task without masks, a prompt whose references do not match
     *                         the masks, or a prompt that does not fit the context
     */
    public List<Answer> answer(byte[] imageBytes, List<BinaryMask> masks, Question question, GenerationRequest request) {
        RgbImage image = imageEncoder.decode(imageBytes);
        for (int q = 0; q < masks.size(); q++) {
            MaskCodec.requireSize(q + 1, masks.get(q), image.height(), image.width());
        }
        // Checked before the vision tower runs, so bad input fails fast.
        RegionChat.Prompts prompts = chat.prompts(question, masks.size());
        chat.requireContext(prompts, request.maxNewTokens());
        VisionFeatures features = imageEncoder.encode(image).features();
        RegionTokens regions = extractor.extract(new FeatureMaps(features.levels()), masks);
        return chat.answer(ImageId.of(imageBytes), features::imageEmbeds, regions, prompts, request);
    }

    @Override
    public void close() {
        Resources.close("the pipeline", List.of(chat, extractorFile, imageEncoder));
    }
}
