package dev.osprey.model.bench;

import java.util.List;

/**
 * Multiply-accumulate count of the vision graph at 512x512, from its geometry: the bound that
 * vision ms/image is compared against (FLOPs = 2 x MACs over the machine's measured GEMM rate).
 */
public final class VisionFlops {

    private VisionFlops() {
    }

    /** FLOPs for one image (convolutions, block MLPs, projector; norms and GELU are negligible). */
    public static double perImage(List<Integer> depths, List<Integer> dims, int mmHidden, int hidden, int imageSize, int patch) {
        double macs = 0;
        int side = imageSize / patch;
        macs += (double) side * side * dims.getFirst() * 3 * patch * patch; // stem conv
        for (int s = 0; s < dims.size(); s++) {
            int c = dims.get(s);
            if (s > 0) {
                side /= 2;
                macs += (double) side * side * c * dims.get(s - 1) * 4; // 2x2 stride-2 downsample conv
            }
            double pixels = (double) side * side;
            // Per block: depthwise 7x7, fc1 C->4C, fc2 4C->C.
            macs += depths.get(s) * pixels * (49.0 * c + 8.0 * c * c);
        }
        int tokens = (imageSize / 16) * (imageSize / 16);
        macs += (double) tokens * (mmHidden * (double) hidden + (double) hidden * hidden); // projector
        return 2 * macs;
    }
}
