package dev.osprey.model.sam;

/**
 * The prompt decoder graph's inputs for B prompts, in the official ONNX export's conventions: points
 * in the padded input frame, the padding point {@code (0, 0)} with label -1 when a prompt has no box,
 * box corners with labels 2 and 3, float32 labels.
 *
 * @param batch        B
 * @param points       N' per prompt (the same for all B)
 * @param pointCoords  [B, N', 2]
 * @param pointLabels  [B, N']
 * @param maskInput    [M, 1, side, side] with M = 1 (shared) or B
 * @param hasMaskInput [M]: 1 where {@code maskInput} holds a previous mask, else 0
 */
public record SamDecoderInput(int batch, int points, float[] pointCoords, float[] pointLabels, float[] maskInput, float[] hasMaskInput) {

    public SamDecoderInput {
        if (batch < 1 || points < 1 || pointCoords.length != batch * points * 2 || pointLabels.length != batch * points
                || (hasMaskInput.length != 1 && hasMaskInput.length != batch) || maskInput.length % hasMaskInput.length != 0) {
            throw new IllegalArgumentException("inconsistent decoder input: B=" + batch + ", N'=" + points + ", " + pointCoords.length
                    + " coordinates, " + pointLabels.length + " labels, " + hasMaskInput.length + " mask flags");
        }
    }
}
