package dev.osprey.model.sam;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import dev.osprey.model.error.OspreyException;
import dev.osprey.model.error.Reason;
import dev.osprey.model.image.RgbImage;
import dev.osprey.model.onnx.OrtSessions;
import dev.osprey.model.onnx.SessionRuns;
import java.nio.FloatBuffer;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * SAM inference ({@code SamPredictor} of the reference): {@link #embed} an image once, then
 * {@link #predict} any number of prompts against its embedding. Thread-safe: ONNX Runtime sessions
 * run concurrently.
 *
 * <pre>{@code
 * try (SamPredictor sam = SamPredictor.open(bundle.sam().orElseThrow(), 0)) {
 *     SamEmbedding embedding = sam.embed(image);
 *     SamPrediction p = sam.predict(embedding, SamPrompt.of(List.of(new SamPoint(120, 80, 1))), true);
 *     BinaryMask best = SamMasks.mask(p, p.bestIndex(), embedding);
 * }
 * }</pre>
 *
 * <p>An embedding computed elsewhere (a Triton server running the image encoder graph) works the same:
 * {@link #openDecoder} opens only the prompt decoder.
 */
public final class SamPredictor implements AutoCloseable {

    private final OrtEnvironment env = OrtEnvironment.getEnvironment();
    private final SamConfig config;
    private final SamPreprocessor preprocessor;
    // Null when only the decoder is open.
    private final OrtSession encoder;
    private final OrtSession decoder;
    private final SessionRuns runs = new SessionRuns("the SAM model");

    private SamPredictor(SamConfig config, OrtSession encoder, OrtSession decoder) {
        this.config = config;
        this.preprocessor = new SamPreprocessor(config);
        this.encoder = encoder;
        this.decoder = decoder;
    }

    /**
     * Opens both graphs.
     *
     * @param threads intra-op threads per session; 0 lets ONNX Runtime use every core
     */
    public static SamPredictor open(SamModelFiles files, int threads) {
        OrtSession encoder = OrtSessions.open(files.imageEncoder(), threads, OrtSessions.Memory.PER_RUN);
        try {
            return new SamPredictor(files.config(), encoder, OrtSessions.open(files.promptDecoder(), threads, OrtSessions.Memory.ARENA));
        } catch (RuntimeException e) {
            closeQuietly(encoder, e);
            throw e;
        }
    }

    /** Opens only the prompt decoder, for embeddings computed elsewhere; {@link #embed} then fails. */
    public static SamPredictor openDecoder(SamModelFiles files, int threads) {
        return new SamPredictor(files.config(), null, OrtSessions.open(files.promptDecoder(), threads, OrtSessions.Memory.ARENA));
    }

    public SamConfig config() {
        return config;
    }

    /** Preprocesses and encodes an image. */
    public SamEmbedding embed(RgbImage image) {
        return embed(preprocessor.prepare(image));
    }

    /** Encodes a prepared image ({@link SamPreprocessor#prepare}). */
    public SamEmbedding embed(SamInput input) {
        if (encoder == null) {
            throw new OspreyException(Reason.INTERNAL, "this SAM predictor has no image encoder (opened with openDecoder)");
        }
        int side = config.imageSize();
        Map<String, OnnxTensor> feeds = new HashMap<>();
        try {
            feeds.put(SamEncoderGraphBuilder.INPUT_IMAGE, tensor(input.pixels(), 1, 3, side, side));
            float[] values = runs.run(() -> {
                try (OrtSession.Result result = encoder.run(feeds)) {
                    return floats(result, SamEncoderGraphBuilder.IMAGE_EMBEDDINGS);
                }
            });
            return new SamEmbedding(values, config.channels(), input.originalHeight(), input.originalWidth(), input.inputHeight(),
                    input.inputWidth());
        } catch (OrtException e) {
            throw new OspreyException(Reason.INTERNAL, "SAM image encoder failed: " + e.getMessage(), e);
        } finally {
            feeds.values().forEach(OnnxTensor::close);
        }
    }

    /**
     * {@code SamPredictor.predict}: multimask → the three multimask outputs (tokens 1..3), else the
     * single-mask output (token 0); unsorted, as the reference returns them.
     *
     * @throws OspreyException {@code BAD_INPUT} when the prompt does not fit the image ({@link SamPrompt#validate})
     */
    public SamPrediction predict(SamEmbedding embedding, SamPrompt prompt, boolean multimask) {
        return predictBatch(embedding, List.of(prompt), multimask).getFirst();
    }

    /**
     * {@link #predict} for many prompts in one decoder run (the automatic generator's point batches);
     * every prompt must have the same number of points and boxes.
     */
    public List<SamPrediction> predictBatch(SamEmbedding embedding, List<SamPrompt> prompts, boolean multimask) {
        List<SamPrediction> all = decode(embedding, decoderInput(embedding, prompts), false);
        int[] tokens = selection(multimask);
        return all.stream().map(p -> select(p, tokens)).toList();
    }

    /** The decoder inputs of prompts against an embedding (points scaled to the input frame, padding point or box corners). */
    public SamDecoderInput decoderInput(SamEmbedding embedding, List<SamPrompt> prompts) {
        return SamPrompts.toDecoderInput(prompts, embedding, config.lowResSide());
    }

    /**
     * Runs the decoder graph on inputs in the ONNX export's conventions and returns, per prompt, all
     * mask tokens (token 0 first), with the prompt embeddings when {@code withEmbeddings}.
     */
    public List<SamPrediction> decode(SamEmbedding embedding, SamDecoderInput in, boolean withEmbeddings) {
        if (embedding.values().length != config.embeddingSize()) {
            throw OspreyException.badInput("the image embedding has " + embedding.values().length + " values, this SAM model needs "
                    + config.channels() + "x" + config.gridSide() + "x" + config.gridSide());
        }
        Set<String> outputs = new LinkedHashSet<>(List.of(SamDecoderGraphBuilder.IOU_PREDICTIONS, SamDecoderGraphBuilder.LOW_RES_MASKS));
        if (withEmbeddings) {
            outputs.add(SamDecoderGraphBuilder.SPARSE_EMBEDDINGS);
            outputs.add(SamDecoderGraphBuilder.DENSE_EMBEDDINGS);
        }
        return runDecoder(embedding.values(), in, outputs, result -> split(in, result, withEmbeddings));
    }

    /** {@code PromptEncoder.get_dense_pe()}: the positional encoding of the embedding grid [C, grid, grid], the same for every image. */
    public float[] imagePositionalEncoding() {
        int side = config.lowResSide();
        SamDecoderInput none = new SamDecoderInput(1, 1, new float[2], new float[] {SamPrompts.PADDING}, new float[side * side], new float[1]);
        return runDecoder(new float[config.embeddingSize()], none, Set.of(SamDecoderGraphBuilder.IMAGE_PE),
                result -> floats(result, SamDecoderGraphBuilder.IMAGE_PE));
    }

    private <T> T runDecoder(float[] embedding, SamDecoderInput in, Set<String> outputs, ResultReader<T> read) {
        int grid = config.gridSide();
        int side = config.lowResSide();
        int masks = in.hasMaskInput().length;
        Map<String, OnnxTensor> feeds = new HashMap<>();
        try {
            feeds.put(SamDecoderGraphBuilder.IMAGE_EMBEDDINGS, tensor(embedding, 1, config.channels(), grid, grid));
            feeds.put(SamDecoderGraphBuilder.POINT_COORDS, tensor(in.pointCoords(), in.batch(), in.points(), 2));
            feeds.put(SamDecoderGraphBuilder.POINT_LABELS, tensor(in.pointLabels(), in.batch(), in.points()));
            feeds.put(SamDecoderGraphBuilder.MASK_INPUT, tensor(in.maskInput(), masks, 1, side, side));
            feeds.put(SamDecoderGraphBuilder.HAS_MASK_INPUT, tensor(in.hasMaskInput(), masks));
            return runs.run(() -> {
                try (OrtSession.Result result = decoder.run(feeds, outputs)) {
                    return read.read(result);
                }
            });
        } catch (OrtException e) {
            throw new OspreyException(Reason.INTERNAL, "SAM prompt decoder failed: " + e.getMessage(), e);
        } finally {
            feeds.values().forEach(OnnxTensor::close);
        }
    }

    /** Reads what is needed from a run's result before it is closed. */
    @FunctionalInterface
    private interface ResultReader<T> {
        T read(OrtSession.Result result) throws OrtException;
    }

    /** The decoder tokens {@code predict} returns: 1..multimask outputs, or 0. */
    public int[] selection(boolean multimask) {
        if (!multimask) {
            return new int[] {0};
        }
        int[] tokens = new int[config.multimaskOutputs()];
        for (int i = 0; i < tokens.length; i++) {
            tokens[i] = i + 1;
        }
        return tokens;
    }

    /** The masks {@code tokens} of a prediction holding every token (from {@link #decode}). */
    public static SamPrediction select(SamPrediction all, int... tokens) {
        int plane = all.lowResLogits().length / all.count();
        float[] logits = new float[tokens.length * plane];
        float[] iou = new float[tokens.length];
        for (int i = 0; i < tokens.length; i++) {
            System.arraycopy(all.lowResLogits(), tokens[i] * plane, logits, i * plane, plane);
            iou[i] = all.iouPredictions()[tokens[i]];
        }
        return new SamPrediction(logits, iou, tokens.length, tokens.clone(), all.sparseEmbeddings(), all.denseEmbeddings());
    }

    private List<SamPrediction> split(SamDecoderInput in, OrtSession.Result result, boolean withEmbeddings) throws OrtException {
        int tokens = config.maskTokens();
        int plane = config.lowResSide() * config.lowResSide();
        float[] iou = floats(result, SamDecoderGraphBuilder.IOU_PREDICTIONS);
        float[] masks = floats(result, SamDecoderGraphBuilder.LOW_RES_MASKS);
        float[] sparse = withEmbeddings ? floats(result, SamDecoderGraphBuilder.SPARSE_EMBEDDINGS) : null;
        float[] dense = withEmbeddings ? floats(result, SamDecoderGraphBuilder.DENSE_EMBEDDINGS) : null;
        int[] all = new int[tokens];
        for (int t = 0; t < tokens; t++) {
            all[t] = t;
        }
        List<SamPrediction> out = new ArrayList<>(in.batch());
        for (int b = 0; b < in.batch(); b++) {
            float[] logits = new float[tokens * plane];
            System.arraycopy(masks, b * tokens * plane, logits, 0, logits.length);
            float[] scores = new float[tokens];
            System.arraycopy(iou, b * tokens, scores, 0, tokens);
            out.add(new SamPrediction(logits, scores, tokens, all.clone(), part(sparse, b, in.batch()),
                    part(dense, b, in.hasMaskInput().length)));
        }
        return out;
    }

    /** Prompt {@code b}'s share of an output of {@code rows} rows (one row: shared by every prompt). */
    private static float[] part(float[] values, int b, int rows) {
        if (values == null) {
            return null;
        }
        int size = values.length / rows;
        float[] out = new float[size];
        System.arraycopy(values, rows == 1 ? 0 : b * size, out, 0, size);
        return out;
    }

    private OnnxTensor tensor(float[] values, long... shape) throws OrtException {
        return OnnxTensor.createTensor(env, FloatBuffer.wrap(values), shape);
    }

    private static float[] floats(OrtSession.Result result, String name) throws OrtException {
        OnnxTensor tensor = (OnnxTensor) result.get(name).orElseThrow(() -> new OspreyException(Reason.INTERNAL,
                "the SAM graph has no output " + name));
        FloatBuffer buffer = tensor.getFloatBuffer();
        float[] out = new float[buffer.remaining()];
        buffer.get(out);
        return out;
    }

    /** Closes the sessions once the runs in flight are over; later calls fail UNAVAILABLE. */
    @Override
    public void close() {
        runs.close(() -> {
            OspreyException failure = new OspreyException(Reason.INTERNAL, "cannot close the SAM sessions");
            if (encoder != null) {
                closeQuietly(encoder, failure);
            }
            closeQuietly(decoder, failure);
            if (failure.getSuppressed().length > 0) {
                throw failure;
            }
        });
    }

    private static void closeQuietly(OrtSession session, Exception into) {
        try {
            session.close();
        } catch (OrtException e) {
            into.addSuppressed(e);
        }
    }
}
