package dev.osprey.model.pipeline;

import dev.osprey.model.bundle.BundleManifest;
import dev.osprey.model.bundle.ModelBundle;
import dev.osprey.model.checkpoint.SafetensorsFile;
import dev.osprey.model.decode.DecoderSession;
import dev.osprey.model.decode.EmbeddingTable;
import dev.osprey.model.decode.InterleavedSequence;
import dev.osprey.model.decode.KvCache;
import dev.osprey.model.decode.PrefixCache;
import dev.osprey.model.decode.PrefixKv;
import dev.osprey.model.error.OspreyException;
import dev.osprey.model.error.Reason;
import dev.osprey.model.generate.Generation;
import dev.osprey.model.generate.GenerationRequest;
import dev.osprey.model.generate.Generator;
import dev.osprey.model.image.ImageDecoder;
import dev.osprey.model.image.RgbImage;
import dev.osprey.model.mask.BinaryMask;
import dev.osprey.model.mask.MaskCodec;
import dev.osprey.model.region.FeatureMap;
import dev.osprey.model.region.FeatureMaps;
import dev.osprey.model.region.MaskExtractor;
import dev.osprey.model.region.MaskExtractorWeights;
import dev.osprey.model.region.RegionTokens;
import dev.osprey.model.text.OspreyTokenizer;
import dev.osprey.model.text.PromptEncoder;
import dev.osprey.model.text.PromptIds;
import dev.osprey.model.vision.VisionFeatures;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;

/**
 * Image bytes + masks + a question → answers, in one process: encode the image, extract the region
 * tokens, encode the prompts, assemble the interleaved sequences and generate. A task's prompts (one
 * per mask, equal in length) decode together as one batch. Thread-safe for concurrent
 * {@link #answer} calls (each gets its own KV cache); close it when done.
 *
 * <pre>{@code
 * try (OspreyPipeline pipeline = new OspreyPipeline(ModelBundle.open(dir), 0)) {
 *     List<Answer> answers = pipeline.answer(imageBytes, masks, new Question.Task(TaskPrompt.SHORT),
 *             GenerationRequest.of(SamplingSettings.greedy(), 64));
 * }
 * }</pre>
 */
public final class OspreyPipeline implements AutoCloseable {

    private final ModelBundle bundle;
    private final ImageEncoder imageEncoder;
    private final SafetensorsFile extractorFile;
    private final MaskExtractor extractor;
    private final OspreyTokenizer tokenizer;
    private final PromptEncoder prompts;
    private final SafetensorsFile embeddingFile;
    private final EmbeddingTable embeddings;
    private final DecoderSession decoder;
    private final Generator generator;
    private final PrefixCache prefixes;
    private final String bundleKey;

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
        this.bundle = bundle;
        this.prefixes = prefixes;
        // The path alone could name a bundle converted again in place; the manifest digest tells them apart.
        this.bundleKey = bundle.dir().toAbsolutePath().normalize() + "#" + manifestDigest(bundle);
        List<AutoCloseable> opened = new ArrayList<>();
        try {
            imageEncoder = track(opened, new ImageEncoder(bundle, new ImageDecoder(), threads));
            extractorFile = track(opened, SafetensorsFile.open(bundle.extractorWeights()));
            extractor = new MaskExtractor(MaskExtractorWeights.load(extractorFile));
            tokenizer = track(opened, OspreyTokenizer.load(bundle.tokenizerDir()));
            prompts = new PromptEncoder(tokenizer);
            embeddingFile = track(opened, SafetensorsFile.open(bundle.embeddings()));
            embeddings = EmbeddingTable.from(embeddingFile);
            decoder = track(opened, DecoderSession.open(bundle.decoderModel(), bundle.decoderConfig(), threads));
            generator = new Generator(decoder, embeddings, tokenizer);
        } catch (RuntimeException e) {
            closeAll(opened.reversed(), e);
            throw e;
        }
    }

    /** The tokenizer of the bundle (e.g. to decode ids). */
    public OspreyTokenizer tokenizer() {
        return tokenizer;
    }

    /** The prefix cache; null if this pipeline has none. */
    public PrefixCache prefixCache() {
        return prefixes;
    }

    /** How many times the decoder graph has run (one run per step for a whole batch). */
    public long decoderRuns() {
        return decoder.runs();
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
        List<PromptIds> encoded = encode(question, masks.size());
        int n = requireContext(encoded, request.maxNewTokens());
        VisionFeatures features = imageEncoder.encode(image).features();
        RegionTokens regions = extractor.extract(featureMaps(features), masks);
        List<InterleavedSequence> sequences = new ArrayList<>(encoded.size());
        float[] batch = new float[Math.multiplyExact(encoded.size(), Math.multiplyExact(n, embeddings.hidden()))];
        for (int b = 0; b < encoded.size(); b++) {
            InterleavedSequence sequence = assemble(encoded.get(b), features, regions);
            sequences.add(sequence);
            System.arraycopy(sequence.embeds(), 0, batch, b * sequence.embeds().length, sequence.embeds().length);
        }
        List<Generation> generations;
        try (KvCache cache = decoder.newCache(encoded.size(), n + request.maxNewTokens())) {
            generations = prefixes == null
                    ? generator.generate(cache, batch, n, request)
                    : generator.generate(cache, n, c -> prefillReusingPrefix(c, imageBytes, encoded, sequences, batch), request);
        }
        List<Answer> answers = new ArrayList<>(generations.size());
        for (int b = 0; b < generations.size(); b++) {
            Generation g = generations.get(b);
            int region = question instanceof Question.Task ? b + 1 : 0;
            answers.add(new Answer(region, encoded.get(b).ids(), g.outputIds(), g.text(), g.finishReason(), g.usage()));
        }
        return answers;
    }

    /**
     * Fills the cache with the prompts, taking the KV of their shared prefix (up to the end of the image
     * tokens) from the prefix cache. On a miss the whole batch is prefilled in one run and the prefix is
     * copied out of row 0 (causal attention: those positions do not depend on what follows); on a hit
     * only each prompt's own suffix is prefilled.
     */
    private Generator.Prefilled prefillReusingPrefix(KvCache cache, byte[] imageBytes, List<PromptIds> encoded,
            List<InterleavedSequence> sequences, float[] batch) {
        int prefixLength = sequences.getFirst().imageEnd();
        int n = sequences.getFirst().length();
        int[] textBeforeImage = Arrays.copyOf(encoded.getFirst().ids(), sequences.getFirst().imageStart());
        for (PromptIds ids : encoded) {
            if (!Arrays.equals(textBeforeImage, 0, textBeforeImage.length, ids.ids(), 0, textBeforeImage.length)) {
                throw new IllegalStateException("the prompts of one batch differ before the image");
            }
        }
        float[][] computed = new float[1][];
        PrefixKv prefix = prefixes.get(new PrefixCache.Key(bundleKey, imageKey(imageBytes, textBeforeImage)), key -> {
            computed[0] = decoder.prefill(cache, batch, n);
            return cache.snapshot(0, prefixLength);
        });
        if (computed[0] != null) {
            return new Generator.Prefilled(computed[0], 0);
        }
        int hidden = embeddings.hidden();
        List<float[]> suffixes = sequences.stream()
                .map(s -> Arrays.copyOfRange(s.embeds(), prefixLength * hidden, n * hidden)).toList();
        return new Generator.Prefilled(decoder.prefillAfter(cache, prefix, suffixes), prefixLength);
    }

    // The text before the image (BOS, system text, "USER:") is part of the key: a template or history
    // that puts other text there must not reuse this prefix.
    private static String imageKey(byte[] imageBytes, int[] textBeforeImage) {
        MessageDigest digest = sha256();
        digest.update(imageBytes);
        ByteBuffer ids = ByteBuffer.allocate(textBeforeImage.length * Integer.BYTES);
        ids.asIntBuffer().put(textBeforeImage);
        digest.update(ids);
        return HexFormat.of().formatHex(digest.digest());
    }

    private static String manifestDigest(ModelBundle bundle) {
        try {
            return HexFormat.of().formatHex(sha256().digest(Files.readAllBytes(bundle.dir().resolve(BundleManifest.FILE_NAME))));
        } catch (IOException e) {
            throw new OspreyException(Reason.BAD_BUNDLE, "cannot read " + BundleManifest.FILE_NAME + " of " + bundle.dir() + ": "
                    + e.getMessage(), e);
        }
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every Java platform provides SHA-256", e);
        }
    }

    private List<PromptIds> encode(Question question, int regionCount) {
        return switch (question) {
            case Question.Task task -> {
                if (regionCount == 0) {
                    throw OspreyException.badInput("the task '" + task.task().name().toLowerCase(java.util.Locale.ROOT)
                            + "' is asked about each region: give at least one mask");
                }
                List<PromptIds> perRegion = new ArrayList<>(regionCount);
                for (int q = 0; q < regionCount; q++) {
                    perRegion.add(prompts.task(task.task(), q));
                }
                yield perRegion;
            }
            case Question.Prompt prompt -> List.of(prompts.free(prompt.history(), prompt.text(), regionCount));
        };
    }

    // Returns the sequence length (ids minus the sentinel plus the image tokens), equal for every prompt.
    private int requireContext(List<PromptIds> encoded, int maxNewTokens) {
        int imageTokens = bundle.manifest().image().tokens();
        int n = encoded.getFirst().ids().length - 1 + imageTokens;
        for (PromptIds ids : encoded) {
            if (ids.ids().length - 1 + imageTokens != n) {
                throw new IllegalStateException("the prompts of one batch differ in length");
            }
        }
        int limit = bundle.manifest().llm().maxContext();
        long needed = (long) n + maxNewTokens;
        if (needed > limit) {
            throw OspreyException.badInput("the prompt (" + (n - imageTokens) + " tokens) + " + imageTokens + " image tokens + max_new_tokens "
                    + maxNewTokens + " = " + needed + " exceeds the context limit of " + limit + " by " + (needed - limit)
                    + "; lower max_new_tokens or shorten the prompt");
        }
        return n;
    }

    private InterleavedSequence assemble(PromptIds ids, VisionFeatures features, RegionTokens regions) {
        int hidden = embeddings.hidden();
        int[] slots = ids.slotRegions();
        float[] mask = new float[slots.length * hidden];
        float[] pos = new float[slots.length * hidden];
        for (int k = 0; k < slots.length; k++) {
            System.arraycopy(regions.maskToken(slots[k]), 0, mask, k * hidden, hidden);
            System.arraycopy(regions.posToken(slots[k]), 0, pos, k * hidden, hidden);
        }
        return InterleavedSequence.assemble(ids.ids(), embeddings, features.imageEmbeds(), mask, pos);
    }

    private static FeatureMaps featureMaps(VisionFeatures features) {
        return new FeatureMaps(features.levels().stream()
                .map(m -> new FeatureMap(m.values(), m.channels(), m.height(), m.width())).toList());
    }

    private static <T extends AutoCloseable> T track(List<AutoCloseable> opened, T resource) {
        opened.add(resource);
        return resource;
    }

    private static void closeAll(List<AutoCloseable> resources, RuntimeException failure) {
        for (AutoCloseable resource : resources) {
            try {
                resource.close();
            } catch (Exception e) {
                failure.addSuppressed(e);
            }
        }
    }

    @Override
    public void close() {
        RuntimeException failure = new RuntimeException("closing the pipeline failed");
        closeAll(List.of(decoder, embeddingFile, tokenizer, extractorFile, imageEncoder), failure);
        if (failure.getSuppressed().length > 0) {
            throw failure;
        }
    }
}
