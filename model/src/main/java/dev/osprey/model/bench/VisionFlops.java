package dev.osprey.model.bench;

import java.util.List;

/**
 * Multiply-accumulate count of the vision graph at 512x512, from its geometry: the bound that
 * vision ms/image is compared against (FLOPs = 2 x MACs over the machine's measured GEMM rate).
 * The pointwise Linears (block MLPs and projector) are counted apart from the convolutions, since
 * an int8 bundle runs them on the int8 GEMM and the convolutions in float32.
 *
 * @param pointwise FLOPs of the block MLPs (fc1, fc2) and the projector for one image
 * @param other     FLOPs of the convolutions (stem, downsampling, depthwise); norms and GELU are negligible
 */
public record VisionFlops(double pointwise, double other) {

    /** The FLOPs of one image with this geometry. */
    public static VisionFlops perImage(List<Integer> depths, List<Integer> dims, int mmHidden, int hidden, int imageSize, int patch) {
        double pointwiseMacs = 0;
        double otherMacs = 0;
        int side = imageSize / patch;
        otherMacs += (double) side * side * dims.getFirst() * 3 * patch * patch; // stem conv
        for (int s = 0; s < dims.size(); s++) {
            int c = dims.get(s);
            if (s > 0) {
                side /= 2;
                otherMacs += (double) side * side * c * dims.get(s - 1) * 4; // 2x2 stride-2 downsample conv
            }
            double pixels = (double) side * side;
            // Per block: depthwise 7x7, fc1 C->4C, fc2 4C->C.
            otherMacs += depths.get(s) * pixels * 49.0 * c;
            pointwiseMacs += depths.get(s) * pixels * 8.0 * c * c;
        }
        int tokens = (imageSize / 16) * (imageSize / 16);
        pointwiseMacs += (double) tokens * (mmHidden * (double) hidden + (double) hidden * hidden); // projector
        return new VisionFlops(2 * pointwiseMacs, 2 * otherMacs);
    }

    /** All FLOPs of one image. */
    public double total() {
        return pointwise + other;
    }
}
