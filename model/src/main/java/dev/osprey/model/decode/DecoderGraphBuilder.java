package dev.osprey.model.decode;

import static dev.osprey.model.decode.DecoderConfig.layerKey;

import dev.osprey.model.checkpoint.TensorStore;
import dev.osprey.model.error.OspreyException;
import dev.osprey.model.error.Reason;
import dev.osprey.model.onnx.ExternalData;
import dev.osprey.model.onnx.OnnxGraph;
import dev.osprey.model.tensor.DType;
import dev.osprey.model.tensor.Tensor;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Writes the Llama decoder (spec §4.1) as {@value #MODEL_FILE} plus {@value #DATA_FILE}, streaming
 * the weights into the external-data file one tensor at a time.
 *
 * <p>Graph contract (used by {@link DecoderSession}):
 * <ul>
 * <li>inputs: {@value #INPUTS_EMBEDS} float32 [batch, sequence, hidden]; {@value #SEQLENS_K} int32
 * [batch] = tokens in the cache after this run − 1; {@value #TOTAL_SEQUENCE_LENGTH} int32 scalar =
 * that length; {@code past_key.{l}}/{@code past_value.{l}} float32 [batch, kvHeads, maxLength, headDim]</li>
 * <li>outputs: {@value #LOGITS} float32 [batch, 1, vocab] of the last position only;
 * {@code present_key.{l}}/{@code present_value.{l}} with the past's shape</li>
 * </ul>
 * Attention is GroupQueryAttention with rotary applied inside (non-interleaved, float32 cos/sin tables
 * over {@code maxPositions}). Bound to the same buffers as the past, the present outputs make it
 * write the new keys and values in place (shared-buffer mode); positions follow from {@code seqlens_k}.
 */
public final class DecoderGraphBuilder {

    /** The model file name inside a bundle folder. */
    public static final String MODEL_FILE = "decoder.onnx";
    /** The external-data file beside it. */
    public static final String DATA_FILE = MODEL_FILE + ".data";
    /**
     * The bundle's optional second decoder for prompts ({@link DecoderPrecision#INT8_DYNAMIC}), with
     * its data in this name + ".data": same contract, weights laid out for GEMMs rather than for decode.
     */
    public static final String PREFILL_MODEL_FILE = "decoder-prefill.onnx";
    /** Input: the embedded sequence. */
    public static final String INPUTS_EMBEDS = "inputs_embeds";
    /** Input: per sequence, its total length after this run minus one. */
    public static final String SEQLENS_K = "seqlens_k";
    /** Input: the longest total length in the batch after this run. */
    public static final String TOTAL_SEQUENCE_LENGTH = "total_sequence_length";
    /** Output: the last position's logits. */
    public static final String LOGITS = "logits";
    /**
     * MatMulNBits {@code accuracy_level} of the bundles: activations quantised to int8 per block, which
     * DESIGN measured at 2.2x the decode speed of 0 at 7B int4.
     */
    public static final int ACCURACY_INT8_ACTIVATIONS = 4;
    /** MatMulNBits {@code accuracy_level} 0: float32 activations, exact with respect to the dequantised weights. */
    public static final int ACCURACY_FLOAT_ACTIVATIONS = 0;

    private final OnnxGraph graph;
    private final TensorStore weights;
    private final DecoderConfig config;
    private final LinearEmitter linear;

    private DecoderGraphBuilder(OnnxGraph graph, TensorStore weights, DecoderConfig config, LinearEmitter linear) {
        this.graph = graph;
        this.weights = weights;
        this.config = config;
        this.linear = linear;
    }

    /**
     * Name of a cache tensor of one layer: {@code kvName("past", "key", 0)} is the input
     * {@code past_key.0}, {@code kvName("present", "value", 3)} the output {@code present_value.3}.
     */
    public static String kvName(String pastOrPresent, String keyOrValue, int layer) {
        return pastOrPresent + "_" + keyOrValue + "." + layer;
    }

    /**
     * Writes the decoder graph for these weights into {@code dir} (created if needed) and returns the
     * model file. {@code rotary_emb.inv_freq} and the non-decoder tensors of the checkpoint are not read.
     * Quantised precisions compute with int8 activations ({@link #ACCURACY_INT8_ACTIVATIONS}).
     */
    public static Path build(TensorStore weights, DecoderConfig config, DecoderPrecision precision, Path dir) {
        return build(weights, config, precision, ACCURACY_INT8_ACTIVATIONS, dir);
    }

    /**
     * As {@link #build(TensorStore, DecoderConfig, DecoderPrecision, Path)} with MatMulNBits'
     * {@code accuracy_level} chosen (ignored by fp32 and fp16).
     */
    public static Path build(TensorStore weights, DecoderConfig config, DecoderPrecision precision, int accuracyLevel, Path dir) {
        return buildFile(weights, config, precision, accuracyLevel, dir.resolve(MODEL_FILE));
    }

    /**
     * Writes the decoder graph as {@code model} (its folder created if needed) with its external data in
     * {@code model} + ".data", and returns {@code model}.
     */
    public static Path buildFile(TensorStore weights, DecoderConfig config, DecoderPrecision precision, int accuracyLevel, Path model) {
        if (config.headDim() % 16 != 0) {
            throw OspreyException.badCheckpoint("the head width " + config.headDim()
                    + " is not a multiple of 16, which ONNX Runtime's GroupQueryAttention requires");
        }
        Path dir = model.toAbsolutePath().getParent();
        try {
            Files.createDirectories(dir);
        } catch (IOException e) {
            throw new OspreyException(Reason.INTERNAL, "cannot create " + dir + ": " + e.getMessage(), e);
        }
        try (ExternalData data = new ExternalData(dir.resolve(model.getFileName() + ".data"))) {
            OnnxGraph graph = new OnnxGraph("osprey_decoder_" + precision.label(), data);
            new DecoderGraphBuilder(graph, weights, config, new LinearEmitter(graph, precision, accuracyLevel)).define();
            graph.save(model, OnnxGraph.OPSET, true);
        }
        return model;
    }

    private void define() {
        String x = graph.input(INPUTS_EMBEDS, DType.F32, "batch", "sequence", config.hidden());
        String seqlens = graph.input(SEQLENS_K, DType.I32, "batch");
        String total = graph.input(TOTAL_SEQUENCE_LENGTH, DType.I32);
        long[] tableShape = {config.maxPositions(), config.headDim() / 2};
        String cos = graph.weight("rope.cos", Tensor.ofFloats("rope.cos", tableShape,
                RotaryTables.table(config.maxPositions(), config.headDim(), config.ropeTheta(), false)));
        String sin = graph.weight("rope.sin", Tensor.ofFloats("rope.sin", tableShape,
                RotaryTables.table(config.maxPositions(), config.headDim(), config.ropeTheta(), true)));
        // The residual stream is carried as (x, delta): each norm adds the previous block's output
        // to x in the same pass (SkipSimplifiedLayerNormalization), instead of a separate Add.
        String[] residual = {x, null};
        for (int l = 0; l < config.layers(); l++) {
            residual = layer(l, residual, seqlens, total, cos, sin);
        }
        // Only the last position's logits pick the next token: slice before the norm and lm_head.
        x = graph.op("Add").in(residual[0], residual[1]).out();
        String last = graph.op("Slice").in(x, graph.longs(-1), graph.longs(Long.MAX_VALUE), graph.longs(1)).out();
        String logits = linear.apply(rmsNorm(last, DecoderConfig.FINAL_NORM), weights.get(DecoderConfig.LM_HEAD), LOGITS);
        graph.output(logits, DType.F32, "batch", 1, config.vocab());
    }

    /**
     * One pre-norm Llama block, x + attn(norm(x)), then + mlp(norm(·)), on the residual (x, delta):
     * returns the residual after the attention's sum, with the MLP's output as the delta still to add.
     * q, k and v are one projection (their weights stacked), as are gate and up: one read of the
     * normed activations per group, and fewer, larger GEMMs.
     */
    private String[] layer(int l, String[] residual, String seqlens, String total, String cos, String sin) {
        String[] normed = addAndNorm(residual, layerKey(l, "input_layernorm"));
        String x = normed[1];
        String qkv = linear.apply(normed[0], Tensor.concatRows(layerKey(l, "self_attn.qkv_proj"),
                weights.get(layerKey(l, "self_attn.q_proj")), weights.get(layerKey(l, "self_attn.k_proj")),
                weights.get(layerKey(l, "self_attn.v_proj"))));
        Object[] cacheDims = {"batch", config.kvHeads(), "max_length", config.headDim()};
        String pastKey = graph.input(kvName("past", "key", l), DType.F32, cacheDims);
        String pastValue = graph.input(kvName("past", "value", l), DType.F32, cacheDims);
        // Causal GQA with RoPE on q and k, fed the packed q|k|v; kv head j serves query heads
        // [j·heads/kvHeads, (j+1)·heads/kvHeads).
        String[] attention = graph.op("GroupQueryAttention").domain(OnnxGraph.MS_DOMAIN)
                .in(qkv, "", "", pastKey, pastValue, seqlens, total, cos, sin)
                .attr("num_heads", (long) config.heads()).attr("kv_num_heads", (long) config.kvHeads())
                .attr("do_rotary", 1L).attr("rotary_interleaved", 0L)
                .outs("layers." + l + ".attention", kvName("present", "key", l), kvName("present", "value", l));
        graph.output(attention[1], DType.F32, cacheDims);
        graph.output(attention[2], DType.F32, cacheDims);
        String attended = project(attention[0], layerKey(l, "self_attn.o_proj"));

        normed = addAndNorm(new String[] {x, attended}, layerKey(l, "post_attention_layernorm"));
        int ffn = Math.toIntExact(weights.get(layerKey(l, "mlp.gate_proj")).shape()[0]);
        String gateUp = linear.apply(normed[0], Tensor.concatRows(layerKey(l, "mlp.gate_up_proj"),
                weights.get(layerKey(l, "mlp.gate_proj")), weights.get(layerKey(l, "mlp.up_proj"))));
        String[] halves = graph.op("Split").in(gateUp, graph.longs(ffn, ffn)).attr("axis", -1L).outs(2);
        // SiLU-gated MLP: down(silu(gate) * up), silu(g) = g * sigmoid(g).
        String silu = graph.op("Mul").in(halves[0], graph.op("Sigmoid").in(halves[0]).out()).out();
        String down = project(graph.op("Mul").in(silu, halves[1]).out(), layerKey(l, "mlp.down_proj"));
        return new String[] {normed[1], down};
    }

    /**
     * RMSNorm of x + delta (of x alone when there is no delta yet): returns {normed, x + delta}.
     * RMSNorm in float32: v / sqrt(mean(v²) + eps) · w.
     */
    private String[] addAndNorm(String[] residual, String weightName) {
        if (residual[1] == null) {
            return new String[] {rmsNorm(residual[0], weightName), residual[0]};
        }
        String weight = graph.weight(weightName, weights.get(weightName).to(DType.F32));
        String[] out = graph.op("SkipSimplifiedLayerNormalization").domain(OnnxGraph.MS_DOMAIN).in(residual[1], residual[0], weight)
                .attr("epsilon", config.rmsNormEps()).outs(weightName + ".normed", "", "", weightName + ".residual");
        return new String[] {out[0], out[3]};
    }

    private String project(String x, String weightName) {
        return linear.apply(x, weights.get(weightName));
    }

    /** RMSNorm in float32: x / sqrt(mean(x²) + eps) · w. */
    private String rmsNorm(String x, String weightName) {
        String weight = graph.weight(weightName, weights.get(weightName).to(DType.F32));
        return graph.op("SimplifiedLayerNormalization").in(x, weight)
                .attr("axis", -1L).attr("epsilon", config.rmsNormEps()).attr("stash_type", 1L).out();
    }
}
