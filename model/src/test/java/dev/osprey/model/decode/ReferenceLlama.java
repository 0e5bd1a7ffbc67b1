package dev.osprey.model.decode;

import dev.osprey.model.checkpoint.TensorStore;

/**
 * A plain Java Llama forward pass (spec §4.1) in double precision, recomputing the whole sequence
 * with no cache: the oracle for the ONNX graph. Weights are row-major [out, in].
 */
final class ReferenceLlama {

    private final DecoderConfig c;
    private final TensorStore weights;

    ReferenceLlama(DecoderConfig config, TensorStore weights) {
        this.c = config;
        this.weights = weights;
    }

    /** Logits [vocab] of the last of {@code n} positions given their embeddings [n, hidden]. */
    float[] lastLogits(float[] embeds, int n) {
        double[][] x = new double[n][];
        for (int p = 0; p < n; p++) {
            x[p] = new double[c.hidden()];
            for (int i = 0; i < c.hidden(); i++) {
                x[p][i] = embeds[p * c.hidden() + i];
            }
        }
        for (int l = 0; l < c.layers(); l++) {
            double[][] h = rmsNorm(x, DecoderConfig.layerKey(l, "input_layernorm"));
            double[][] q = rope(linear(h, DecoderConfig.layerKey(l, "self_attn.q_proj")), c.heads());
            double[][] k = rope(linear(h, DecoderConfig.layerKey(l, "self_attn.k_proj")), c.kvHeads());
            double[][] v = linear(h, DecoderConfig.layerKey(l, "self_attn.v_proj"));
            add(x, linear(attention(q, k, v), DecoderConfig.layerKey(l, "self_attn.o_proj")));
            h = rmsNorm(x, DecoderConfig.layerKey(l, "post_attention_layernorm"));
            double[][] gate = linear(h, DecoderConfig.layerKey(l, "mlp.gate_proj"));
            double[][] up = linear(h, DecoderConfig.layerKey(l, "mlp.up_proj"));
            for (int p = 0; p < n; p++) {
                for (int i = 0; i < c.intermediate(); i++) {
                    double g = gate[p][i];
                    gate[p][i] = g / (1 + Math.exp(-g)) * up[p][i];
                }
            }
            add(x, linear(gate, DecoderConfig.layerKey(l, "mlp.down_proj")));
        }
        double[][] last = rmsNorm(new double[][] {x[n - 1]}, DecoderConfig.FINAL_NORM);
        double[] logits = linear(last, DecoderConfig.LM_HEAD)[0];
        float[] out = new float[logits.length];
        for (int i = 0; i < out.length; i++) {
            out[i] = (float) logits[i];
        }
        return out;
    }

    private double[][] rmsNorm(double[][] x, String weight) {
        float[] w = weights.floats(weight);
        double[][] out = new double[x.length][w.length];
        for (int p = 0; p < x.length; p++) {
            double sum = 0;
            for (double v : x[p]) {
                sum += v * v;
            }
            double inv = 1 / Math.sqrt(sum / w.length + c.rmsNormEps());
            for (int i = 0; i < w.length; i++) {
                out[p][i] = x[p][i] * inv * w[i];
            }
        }
        return out;
    }

    private double[][] linear(double[][] x, String weight) {
        float[] w = weights.floats(weight);
        int in = x[0].length;
        int outDim = w.length / in;
        double[][] out = new double[x.length][outDim];
        for (int p = 0; p < x.length; p++) {
            for (int o = 0; o < outDim; o++) {
                double sum = 0;
                for (int i = 0; i < in; i++) {
                    sum += w[o * in + i] * x[p][i];
                }
                out[p][o] = sum;
            }
        }
        return out;
    }

    /** Rotates each head's halves (i, i + d/2) by position · theta^(-2i/d) (rotate_half). */
    private double[][] rope(double[][] x, int heads) {
        int d = c.headDim();
        for (int p = 0; p < x.length; p++) {
            for (int head = 0; head < heads; head++) {
                for (int i = 0; i < d / 2; i++) {
                    double angle = p * Math.pow(c.ropeTheta(), -2.0 * i / d);
                    int a = head * d + i;
                    int b = a + d / 2;
                    double x1 = x[p][a];
                    double x2 = x[p][b];
                    x[p][a] = x1 * Math.cos(angle) - x2 * Math.sin(angle);
                    x[p][b] = x2 * Math.cos(angle) + x1 * Math.sin(angle);
                }
            }
        }
        return x;
    }

    /** Causal softmax attention; query head h reads kv head h / (heads / kvHeads). */
    private double[][] attention(double[][] q, double[][] k, double[][] v) {
        int d = c.headDim();
        int group = c.heads() / c.kvHeads();
        double[][] out = new double[q.length][c.heads() * d];
        for (int head = 0; head < c.heads(); head++) {
            int kv = head / group;
            for (int p = 0; p < q.length; p++) {
                double[] scores = new double[p + 1];
                double max = Double.NEGATIVE_INFINITY;
                for (int j = 0; j <= p; j++) {
                    double dot = 0;
                    for (int i = 0; i < d; i++) {
                        dot += q[p][head * d + i] * k[j][kv * d + i];
                    }
                    scores[j] = dot / Math.sqrt(d);
                    max = Math.max(max, scores[j]);
                }
                double total = 0;
                for (int j = 0; j <= p; j++) {
                    scores[j] = Math.exp(scores[j] - max);
                    total += scores[j];
                }
                for (int j = 0; j <= p; j++) {
                    for (int i = 0; i < d; i++) {
                        out[p][head * d + i] += scores[j] / total * v[j][kv * d + i];
                    }
                }
            }
        }
        return out;
    }

    private static void add(double[][] x, double[][] delta) {
        for (int p = 0; p < x.length; p++) {
            for (int i = 0; i < x[p].length; i++) {
                x[p][i] += delta[p][i];
            }
        }
    }
}
