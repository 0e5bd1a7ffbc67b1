package dev.osprey.model.region;

import dev.osprey.model.checkpoint.TensorStore;
import dev.osprey.model.error.OspreyException;
import dev.osprey.model.tensor.Shape;
import dev.osprey.model.tensor.Tensor;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * A PyTorch {@code nn.Linear} ({@code y = x W^T + b}) for a batch of rows (one per region) at once,
 * accumulating in float32 with the weight held as bf16 ({@link Bfloat16}).
 *
 * <p>The weight is kept in two layouts, each for the kind of call it is fast for: a few rows,
 * or sparse inputs, stream whole weight rows ({@link RowWeights}: memory-bound, so only the rows of
 * non-zero inputs are read), more rows run a register-blocked kernel over blocks of four
 * ({@link PanelWeights}: compute-bound). Both skip inputs that are zero in every row they compute
 * together, which makes the 12544-wide spatial layer cheap for masks covering a small part of the
 * image. A weight that is not bf16 already is held as two bf16 parts whose sum it is.
 */
public final class Linear {

    /** Up to this many rows always take the row layout: in a panel block they would leave half its rows padding. */
    static final int FEW_ROWS = 2;
    /**
     * Roughly what a multiply-add costs in the row layout, in the panels' (it loads and stores
     * {@code y} for every fold); more rows take the row layout when their inputs are so sparse that
     * it still does less work: the spatial layer at 16 masks (1.6 ms there against 2 ms in panels),
     * where each block of four masks shares few inputs.
     */
    private static final int ROW_COST = 2;

    private final int in;
    private final int out;
    /** Outputs rounded up to whole panels; the kernels compute the padding and it is dropped. */
    private final int width;
    private final float[] bias;
    private final List<RowWeights> rowParts = new ArrayList<>();
    private final List<PanelWeights> panelParts = new ArrayList<>();

    /**
     * @param weight PyTorch's {@code [out][in]}, row-major
     * @param bias   {@code out} values
     */
    public Linear(float[] weight, float[] bias) {
        if (bias.length == 0 || weight.length % bias.length != 0 || weight.length == 0) {
            throw new IllegalArgumentException("a Linear weight of " + weight.length + " values does not fit " + bias.length + " outputs");
        }
        this.out = bias.length;
        this.in = weight.length / out;
        this.width = (out + PanelWeights.WIDTH - 1) / PanelWeights.WIDTH * PanelWeights.WIDTH;
        this.bias = Arrays.copyOf(bias, width);
        for (short[] part : Bfloat16.parts(weight)) {
            rowParts.add(new RowWeights(part, out, in, width));
            panelParts.add(new PanelWeights(part, out, in, width));
        }
    }

    /** Loads {@code prefix.weight} {@code [out, in]} and {@code prefix.bias} {@code [out]} (any float type). */
    public static Linear load(TensorStore store, String prefix) {
        Tensor weight = store.get(prefix + ".weight");
        Tensor bias = store.get(prefix + ".bias");
        long[] ws = weight.shape();
        if (ws.length != 2 || bias.shape().length != 1 || bias.shape()[0] != ws[0]) {
            throw OspreyException.badCheckpoint(prefix + ": weight " + Shape.toString(ws) + " and bias " + Shape.toString(bias.shape())
                    + " are not a Linear layer ([out, in] and [out])");
        }
        return new Linear(weight.toFloats(), bias.toFloats());
    }

    /** Input features. */
    public int in() {
        return in;
    }

    /** Output features. */
    public int out() {
        return out;
    }

    /** The bytes of weight a call reads at most: every bf16 part once, in one of the layouts. */
    public long weightBytes() {
        return (long) rowParts.size() * in * out * Short.BYTES;
    }

    /** {@code y[r] = x[r] W^T + b} for every row {@code r}. */
    public float[][] forward(float[][] x) {
        for (int r = 0; r < x.length; r++) {
            if (x[r].length != in) {
                throw new IllegalArgumentException("row " + r + " has " + x[r].length + " features, expected " + in);
            }
        }
        NonZeroInputs inputs = NonZeroInputs.of(x);
        int blocks = (x.length + PanelWeights.ROWS - 1) / PanelWeights.ROWS;
        List<NonZeroInputs> blockInputs = new ArrayList<>(blocks);
        long panelWork = 0;
        if (x.length > FEW_ROWS) {
            for (int b = 0; b < blocks; b++) {
                blockInputs.add(inputs.block(b * PanelWeights.ROWS, PanelWeights.ROWS));
                panelWork += (long) blockInputs.getLast().count() * PanelWeights.ROWS;
            }
        }
        if (x.length <= FEW_ROWS || inputs.rowFolds() * NonZeroInputs.MULTIPLE * ROW_COST < panelWork) {
            float[][] y = biasRows(x.length);
            for (RowWeights part : rowParts) {
                part.accumulate(inputs, y);
            }
            return trimmed(y, x.length);
        }
        float[][] y = biasRows(blocks * PanelWeights.ROWS);
        for (PanelWeights part : panelParts) {
            part.accumulate(blockInputs, y);
        }
        return trimmed(y, x.length);
    }

    /** {@link #forward} followed by ReLU, in place. */
    public float[][] forwardRelu(float[][] x) {
        float[][] y = forward(x);
        for (float[] row : y) {
            for (int o = 0; o < row.length; o++) {
                row[o] = Math.max(row[o], 0f);
            }
        }
        return y;
    }

    private float[][] biasRows(int rows) {
        float[][] y = new float[rows][];
        for (int r = 0; r < rows; r++) {
            y[r] = bias.clone();
        }
        return y;
    }

    /** The first {@code rows} rows without the padding outputs (no copy when there is none). */
    private float[][] trimmed(float[][] y, int rows) {
        float[][] t = y.length == rows ? y : Arrays.copyOf(y, rows);
        if (width != out) {
            for (int r = 0; r < rows; r++) {
                t[r] = Arrays.copyOf(t[r], out);
            }
        }
        return t;
    }
}
