package dev.osprey.model.pipeline;

import dev.osprey.model.bundle.BundleManifest;
import dev.osprey.model.bundle.ModelBundle;
import dev.osprey.model.cache.LruLoadingCache.Loaded;
import dev.osprey.model.checkpoint.SafetensorsFile;
import dev.osprey.model.decode.Cancellation;
import dev.osprey.model.decode.DecoderPrecision;
import dev.osprey.model.decode.DecoderSession;
import dev.osprey.model.decode.EmbeddingTable;
import dev.osprey.model.decode.InterleavedSequence;
import dev.osprey.model.decode.KvCache;
import dev.osprey.model.decode.KvPrecision;
import dev.osprey.model.decode.PrefixCache;
import dev.osprey.model.decode.PrefixKv;
import dev.osprey.model.error.OspreyException;
import dev.osprey.model.error.Reason;
import dev.osprey.model.generate.DecodeLoop;
import dev.osprey.model.generate.Generation;
import dev.osprey.model.generate.GenerationRequest;
import dev.osprey.model.generate.Generator;
import dev.osprey.model.region.RegionTokens;
import dev.osprey.model.text.OspreyTokenizer;
import dev.osprey.model.text.PromptEncoder;
import dev.osprey.model.text.PromptIds;
import dev.osprey.model.text.SpecialIds;
import dev.osprey.model.text.TaskPrompt;
import java.io.IOException;
import java.nio.file.Files;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Optional;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * The language half of Osprey: a question about regions of an image → answers, given the image's
 * tokens and the region tokens. Encodes the prompts (a task's one per region, equal in length),
 * checks the context budget, assembles the interleaved sequences, prefills them into one KV cache and
 * generates a task's prompts as one batch: in the {@link DecodeLoop} shared by every question when the
 * chat has one (continuous batching: each decoder step advances every running answer), else on the
 * calling thread with a {@link Generator}.
 *
 * <p>With a {@link PrefixCache}, the KV of each image's prefix [BOS, system text, "USER:", image
 * tokens] is computed once and later questions about the image prefill only their own tokens; the
 * image tokens are then never asked for, so a service fetches them from the encoder only on a miss.
 * Thread-safe for concurrent {@link #answer} calls (each prefills in a KV cache of its own, on its own
 * thread); close it when done.
 *
 * <pre>{@code
 * try (RegionChat chat = new RegionChat(ModelBundle.open(dir), 0, new PrefixCache(1L << 30))) {
 *     RegionChat.Prompts prompts = chat.prompts(new Question.Task(TaskPrompt.SHORT), regions.regions());
 *     chat.requireContext(prompts, 64);
 *     List<Answer> answers = chat.answer(imageId, () -> encoder.imageTokens(imageId), regions, prompts,
 *             GenerationRequest.of(SamplingSettings.greedy(), 64));
 * }
 * }</pre>
 */
public final class RegionChat implements ChatModel {

    /**
     * A question encoded for a number of regions: one prompt per region for a task, one for a free prompt.
     *
     * @param perRegion whether each prompt is about the region of its index (a task)
     * @param ids       the prompts, equal in length
     * @param regions   how many regions the prompts refer to
     * @param length    positions of each prompt with the image tokens in place of the sentinel
     */
    public record Prompts(boolean perRegion, List<PromptIds> ids, int regions, int length) {

        public Prompts {
            ids = List.copyOf(ids);
        }

        /** The answers these prompts got, one generation per prompt in order (a task's answers numbered by region from 1). */
        public List<Answer> answers(List<Generation> generations) {
            List<Answer> answers = new ArrayList<>(generations.size());
            for (int b = 0; b < generations.size(); b++) {
                Generation g = generations.get(b);
                answers.add(new Answer(perRegion ? b + 1 : 0, ids.get(b).ids(), g.outputIds(), g.text(), g.finishReason(), g.usage()));
            }
            return answers;
        }
    }

    /**
     * How concurrent questions share the decoder.
     *
     * @param maxBatch sequences that decode together in one {@link DecodeLoop}, whatever question they
     *                 belong to; 1: each question decodes on the thread that asks it, as a batch of its
     *                 own prompts (as does a task with more regions than {@code maxBatch})
     * @param prefills    prompt prefills that run at once; more questions wait for a turn in arrival order
     * @param idleKvBytes memory of closed KV caches kept for the next questions' caches
     *                    ({@link DecoderSession#DEFAULT_IDLE_KV_BYTES} unless set)
     */
    public record Sharing(int maxBatch, int prefills, long idleKvBytes) {

        /** Each question on its own, prefills unbounded: a caller that asks one question at a time. */
        public static final Sharing NONE = new Sharing(1, Integer.MAX_VALUE);

        public Sharing {
            if (maxBatch < 1 || prefills < 1) {
                throw OspreyException.badInput("the decoding batch and the prefills at once must be at least 1, got " + maxBatch
                        + " and " + prefills);
            }
            if (idleKvBytes < 0) {
                throw OspreyException.badInput("the idle KV memory must be at least 0, got " + idleKvBytes);
            }
        }

        /** With the default idle KV memory. */
        public Sharing(int maxBatch, int prefills) {
            this(maxBatch, prefills, DecoderSession.DEFAULT_IDLE_KV_BYTES);
        }
    }

    private final int imageTokens;
    private final OspreyTokenizer tokenizer;
    private final PromptEncoder prompts;
    private final ChatPrompts chatPrompts;
    private final SafetensorsFile embeddingFile;
    private final EmbeddingTable embeddings;
    private final DecoderSession decoder;
    private final Generator generator;
    // Null when each question decodes on its own.
    private final DecodeLoop loop;
    private final PrefillGate prefillGate;
    private final PrefixCache prefixes;
    private final KvPrecision prefixPrecision;
    private final String bundleKey;

    /**
     * Opens the tokenizer, the embedding table and the decoder of {@code bundle}.
     *
     * @param threads  intra-op threads of the decoder's ONNX Runtime session; 0 = one per core
     * @param prefixes the prefix cache (may be shared by chats of different bundles); null for none,
     *                 then every question prefills its whole prompt. Prefixes are stored at the
     *                 bundle's {@link KvPrecision#forWeights} precision.
     */
    public RegionChat(ModelBundle bundle, int threads, PrefixCache prefixes) {
        this(bundle, threads, prefixes, null);
    }

    /**
     * As {@link #RegionChat(ModelBundle, int, PrefixCache)}, storing cached prefixes at {@code prefixPrecision}
     * (int8 keeps a 7B image prefix at about 271 MiB instead of 1 GiB).
     */
    public RegionChat(ModelBundle bundle, int threads, PrefixCache prefixes, KvPrecision prefixPrecision) {
        this(bundle, threads, prefixes, prefixPrecision, Sharing.NONE);
    }

    /**
     * As {@link #RegionChat(ModelBundle, int, PrefixCache, KvPrecision)}, sharing the decoder between
     * concurrent questions as {@code sharing} says: their answers decode together in one
     * {@link DecodeLoop} (slots of the bundle's context length) when its max batch is above 1.
     *
     * @param prefixPrecision how cached prefixes are stored; null: {@link KvPrecision#forWeights} of the bundle
     */
    public RegionChat(ModelBundle bundle, int threads, PrefixCache prefixes, KvPrecision prefixPrecision, Sharing sharing) {
        this.prefillGate = new PrefillGate(sharing.prefills());
        this.imageTokens = bundle.manifest().image().tokens();
        int maxContext = bundle.manifest().llm().maxContext();
        this.prefixes = prefixes;
        this.prefixPrecision = prefixPrecision != null ? prefixPrecision
                : KvPrecision.forWeights(DecoderPrecision.parse(bundle.manifest().precision()));
        // The path alone could name a bundle converted again in place; the manifest digest tells them apart.
        this.bundleKey = bundle.dir().toAbsolutePath().normalize() + "#" + manifestDigest(bundle);
        List<AutoCloseable> opened = new ArrayList<>();
        try {
            tokenizer = Resources.track(opened, OspreyTokenizer.load(bundle.tokenizerDir()));
            prompts = new PromptEncoder(tokenizer);
            embeddingFile = Resources.track(opened, SafetensorsFile.open(bundle.embeddings()));
            embeddings = EmbeddingTable.from(embeddingFile);
            chatPrompts = new ChatPrompts(prompts, imageTokens, embeddings.hidden(), maxContext);
            decoder = Resources.track(opened, bundle.openDecoder(threads, sharing.idleKvBytes()));
            generator = new Generator(decoder, embeddings, tokenizer);
            loop = sharing.maxBatch() == 1 ? null : Resources.track(opened, new DecodeLoop(decoder, embeddings, tokenizer, sharing.maxBatch(),
                    Math.min(maxContext, decoder.config().maxPositions())));
        } catch (RuntimeException e) {
            Resources.closeAll(opened.reversed(), e);
            throw e;
        }
    }

    /** The tokenizer of the bundle (e.g. to decode ids). */
    public OspreyTokenizer tokenizer() {
        return tokenizer;
    }

    /**
     * Forgets the cached prefixes of an image (whatever text came before it), e.g. when the image is
     * deleted.
     *
     * @return how many prefixes were dropped
     */
    @Override
    public int forget(String imageId) {
        return prefixes == null ? 0 : prefixes.invalidateImage(bundleKey, imageId);
    }

    /**
     * Computes and caches the image's prefix ahead of its first question, as that question would: the
     * same text before the image (every task and free prompt starts "{system} USER: " and the image)
     * and the same key, through the cache's loading, so a question that arrives meanwhile waits for
     * this computation and shares it instead of starting its own. Nothing runs when the prefix is
     * cached already or there is no prefix cache. A cancelled warm-up caches nothing; a question
     * waiting for it then computes the prefix itself.
     *
     * @param imageTokens gives the image's [imageTokens, hidden] tokens; called only on a miss
     * @return whether this call computed the prefix (false: cached already, no cache, or cancelled)
     * @throws OspreyException BAD_INPUT if the image tokens have the wrong size; what the decoder throws
     */
    @Override
    public boolean warm(String imageId, Supplier<float[]> imageTokens, Cancellation cancellation) {
        if (prefixes == null || cancellation.cancelled()) {
            return false;
        }
        int[] ids = prompts.task(TaskPrompt.SHORT, 0).ids();
        int sentinel = sentinelIndex(ids);
        try {
            return prefixes.load(prefixKey(imageId, Arrays.copyOf(ids, sentinel)),
                    key -> Loaded.computed(computePrefix(ids, sentinel, imageTokens.get(), cancellation), Boolean.TRUE)).byProduct().isPresent();
        } catch (OspreyException e) {
            if (e.reason() != Reason.CANCELLED || !cancellation.cancelled()) {
                throw e;
            }
            return false;
        }
    }

    /** How this chat stores cached prefixes. */
    public KvPrecision prefixPrecision() {
        return prefixPrecision;
    }

    /** The prefix cache; null if this chat has none. */
    public PrefixCache prefixCache() {
        return prefixes;
    }

    /** How many times the decoder graph has run (one run per step for a whole batch). */
    public long decoderRuns() {
        return decoder.runs();
    }

    /** The loop that decodes the answers of concurrent questions together; null if each decodes on its own. */
    public DecodeLoop decodeLoop() {
        return loop;
    }

    @Override
    public int imageTokens() {
        return imageTokens;
    }

    @Override
    public int hidden() {
        return embeddings.hidden();
    }

    @Override
    public Prompts prompts(Question question, int regionCount) {
        return chatPrompts.prompts(question, regionCount);
    }

    @Override
    public void requireContext(Prompts prompts, int maxNewTokens) {
        chatPrompts.requireContext(prompts, maxNewTokens);
    }

    /**
     * Answers the encoded question about the image {@code imageId}.
     *
     * @param imageId     identifies the image (its {@link ImageId}); keys the prefix cache
     * @param imageTokens gives the image's [imageTokens, hidden] tokens, row-major; called at most once,
     *                    and only when the prefix cache has not got the image's prefix (or there is no cache)
     * @param regions     the region tokens the prompts refer to, in {@code <regionN>} order
     * @return a task's answers, one per region in region order; a free prompt's single answer
     * @throws OspreyException BAD_INPUT if the regions do not match the prompts or the model, the
     *                         image tokens have the wrong size, or the prompt does not fit the context
     */
    @Override
    public List<Answer> answer(String imageId, Supplier<float[]> imageTokens, RegionTokens regions, Prompts prompts,
            GenerationRequest request) {
        chatPrompts.requireRegions(regions, prompts);
        requireContext(prompts, request.maxNewTokens());
        List<Generation> generations;
        int sequences = prompts.ids().size();
        boolean shared = loop != null && sequences <= loop.maxBatch();
        // In the shared batch the answers decode in the loop's slots: this cache holds the prompts only.
        try (KvCache cache = decoder.newCache(sequences, prompts.length() + (shared ? 0 : request.maxNewTokens()))) {
            long start = System.nanoTime();
            Optional<Generator.Prefilled> prefilled = prefill(cache, imageId, imageTokens, regions, prompts, request, start);
            if (prefilled.isEmpty()) {
                generations = Collections.nCopies(sequences, Generation.cancelledBeforeFirstToken(prompts.length(), since(start)));
            } else {
                generations = shared ? loop.generate(cache, prefilled.get(), request) : generator.generate(cache, prefilled.get(), request);
            }
        }
        return prompts.answers(generations);
    }

    /**
     * Fills the empty cache with the prompts, whole or (with a prefix cache) after the image's cached
     * prefix, once the {@link PrefillGate} gives it a turn. Empty if {@code cancellation} stops it:
     * before it starts (then nothing runs and no image tokens are fetched) or while it runs. The
     * request's listener hears when the turn comes.
     */
    private Optional<Generator.Prefilled> prefill(KvCache cache, String imageId, Supplier<float[]> imageTokens,
            RegionTokens regions, Prompts prompts, GenerationRequest request, long start) {
        Cancellation cancellation = request.cancellation();
        if (cancellation.cancelled() || !prefillGate.enter(cancellation)) {
            return Optional.empty();
        }
        try {
            request.listener().onPrefillStart();
            if (prefixes == null) {
                float[] logits = decoder.prefill(cache, batch(prompts, imageTokens.get(), regions), prompts.length(), cancellation);
                return Optional.of(new Generator.Prefilled(logits, 0, since(start)));
            }
            return Optional.of(prefillReusingPrefix(cache, imageId, imageTokens, regions, prompts, cancellation, start));
        } catch (OspreyException e) {
            if (e.reason() != Reason.CANCELLED || !cancellation.cancelled()) {
                throw e;
            }
            return Optional.empty();
        } finally {
            prefillGate.leave();
        }
    }

    /**
     * Prefills the prompts, taking the KV of their shared prefix (up to the end of the image tokens)
     * from the prefix cache. On a miss the image tokens are fetched and the prefix computed and cached
     * first; then each prompt's own suffix is prefilled after it.
     */
    private Generator.Prefilled prefillReusingPrefix(KvCache cache, String imageId, Supplier<float[]> imageTokens,
            RegionTokens regions, Prompts prompts, Cancellation cancellation, long start) {
        int[] first = prompts.ids().getFirst().ids();
        int sentinel = sentinelIndex(first);
        int[] textBeforeImage = Arrays.copyOf(first, sentinel);
        for (PromptIds ids : prompts.ids()) {
            if (!Arrays.equals(textBeforeImage, 0, sentinel, ids.ids(), 0, sentinel)) {
                throw new IllegalStateException("the prompts of one batch differ before the image");
            }
        }
        int prefixLength = sentinel + this.imageTokens;
        PrefixCache.Key key = prefixKey(imageId, textBeforeImage);
        Function<PrefixCache.Key, Loaded<PrefixKv, Boolean>> compute =
                k -> Loaded.computed(computePrefix(first, sentinel, imageTokens.get(), cancellation), Boolean.TRUE);
        Loaded<PrefixKv, Boolean> prefix;
        try {
            prefix = prefixes.load(key, compute);
        } catch (OspreyException e) {
            // Another question computing this prefix was cancelled; that is no reason to fail this one.
            if (e.reason() != Reason.CANCELLED || cancellation.cancelled()) {
                throw e;
            }
            prefix = prefixes.load(key, compute);
        }
        List<float[]> suffixes = prompts.ids().stream().map(ids -> suffix(ids, sentinel, regions)).toList();
        float[] logits = decoder.prefillAfter(cache, prefix.value(), suffixes, cancellation);
        return new Generator.Prefilled(logits, prefix.byProduct().isPresent() ? 0 : prefixLength, since(start));
    }

    /**
     * The KV of a prompt's positions up to the end of the image tokens ({@code ids} up to {@code sentinel},
     * then the image), in one run of its own, as the prefix cache stores it. A miss, like a warm-up, then
     * continues each prompt after this stored prefix: the first answer reads the prefix exactly as every
     * later question about the image will, whatever the cache's precision or a prefill graph's attention.
     */
    private PrefixKv computePrefix(int[] ids, int sentinel, float[] image, Cancellation cancellation) {
        chatPrompts.requireImageTokens(image);
        int prefixLength = sentinel + this.imageTokens;
        float[] embeds = InterleavedSequence.assemble(Arrays.copyOf(ids, sentinel + 1), embeddings, image, new float[0],
                new float[0]).embeds();
        try (KvCache prefix = decoder.newCache(1, prefixLength)) {
            decoder.prefill(prefix, embeds, prefixLength, cancellation);
            return prefix.snapshot(0, prefixLength, prefixPrecision);
        }
    }

    // The text before the image is part of the key: a template or history that puts other text
    // there must not reuse this prefix.
    private PrefixCache.Key prefixKey(String imageId, int[] textBeforeImage) {
        return new PrefixCache.Key(bundleKey, imageId, Sha256.hex(textBeforeImage));
    }

    private static Duration since(long start) {
        return Duration.ofNanos(System.nanoTime() - start);
    }

    // [batch, n, hidden]: every prompt assembled with the image tokens and its regions' tokens.
    private float[] batch(Prompts prompts, float[] image, RegionTokens regions) {
        chatPrompts.requireImageTokens(image);
        int hidden = hidden();
        int rowValues = Math.multiplyExact(prompts.length(), hidden);
        float[] batch = new float[Math.multiplyExact(prompts.ids().size(), rowValues)];
        for (int b = 0; b < prompts.ids().size(); b++) {
            PromptIds ids = prompts.ids().get(b);
            System.arraycopy(assemble(ids.ids(), ids.slotRegions(), image, regions).embeds(), 0, batch, b * rowValues, rowValues);
        }
        return batch;
    }

    // The prompt after the image, assembled behind a one-row stand-in for the image that is then
    // dropped: the region tokens land in their slots without the image tokens, which the cached prefix holds.
    private float[] suffix(PromptIds ids, int sentinel, RegionTokens regions) {
        int hidden = hidden();
        int[] afterImage = new int[ids.ids().length - sentinel];
        afterImage[0] = SpecialIds.IMAGE_SENTINEL;
        System.arraycopy(ids.ids(), sentinel + 1, afterImage, 1, afterImage.length - 1);
        float[] embeds = assemble(afterImage, ids.slotRegions(), new float[hidden], regions).embeds();
        return Arrays.copyOfRange(embeds, hidden, embeds.length);
    }

    private InterleavedSequence assemble(int[] ids, int[] slots, float[] image, RegionTokens regions) {
        int hidden = hidden();
        float[] mask = new float[slots.length * hidden];
        float[] pos = new float[slots.length * hidden];
        for (int k = 0; k < slots.length; k++) {
            System.arraycopy(regions.maskTokens(), slots[k] * hidden, mask, k * hidden, hidden);
            System.arraycopy(regions.posTokens(), slots[k] * hidden, pos, k * hidden, hidden);
        }
        return InterleavedSequence.assemble(ids, embeddings, image, mask, pos);
    }

    private static int sentinelIndex(int[] ids) {
        for (int i = 0; i < ids.length; i++) {
            if (ids[i] == SpecialIds.IMAGE_SENTINEL) {
                return i;
            }
        }
        throw new IllegalStateException("a prompt without the image sentinel");
    }

    private static String manifestDigest(ModelBundle bundle) {
        try {
            return Sha256.hex(Files.readAllBytes(bundle.dir().resolve(BundleManifest.FILE_NAME)));
        } catch (IOException e) {
            throw new OspreyException(Reason.BAD_BUNDLE, "cannot read " + BundleManifest.FILE_NAME + " of " + bundle.dir() + ": "
                    + e.getMessage(), e);
        }
    }

    @Override
    public void close() {
        List<AutoCloseable> parts = new ArrayList<>(List.of(decoder, embeddingFile, tokenizer));
        if (loop != null) {
            parts.addFirst(loop);
        }
        Resources.close("the language model", parts);
    }
}
