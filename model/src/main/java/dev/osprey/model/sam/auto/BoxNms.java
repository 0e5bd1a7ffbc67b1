package dev.osprey.model.sam.auto;

import java.util.ArrayList;
import java.util.List;

/**
 * Greedy non-maximum suppression over integer boxes {@code [x0, y0, x1, y1]} with one category, as
 * the reference calls torchvision's {@code batched_nms}: candidates by descending score (a stable
 * sort, ties keep their order), each kept unless a kept one overlaps it with IoU above the
 * threshold. Areas and IoU are float32 from the boxes as floats (no +1: an inclusive box of one
 * pixel has area 0); the IoU is compared with the threshold in double.
 */
final class BoxNms {

    private BoxNms() {
    }

    /** Indices of the kept boxes, in descending score order (the order the reference's {@code filter} leaves them in). */
    static List<Integer> keep(List<int[]> boxes, float[] scores, double iouThreshold) {
        int n = boxes.size();
        List<Integer> order = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            order.add(i);
        }
        // List.sort is stable; compare with < and > so that -0.0 and 0.0 tie as they do in torch
        order.sort((a, b) -> scores[a] > scores[b] ? -1 : scores[a] < scores[b] ? 1 : 0);
        float[] areas = new float[n];
        for (int i = 0; i < n; i++) {
            int[] b = boxes.get(i);
            areas[i] = ((float) b[2] - (float) b[0]) * ((float) b[3] - (float) b[1]);
        }
        boolean[] suppressed = new boolean[n];
        List<Integer> kept = new ArrayList<>();
        for (int oi = 0; oi < n; oi++) {
            int i = order.get(oi);
            if (suppressed[i]) {
                continue;
            }
            kept.add(i);
            int[] a = boxes.get(i);
            for (int oj = oi + 1; oj < n; oj++) {
                int j = order.get(oj);
                if (!suppressed[j] && iou(a, areas[i], boxes.get(j), areas[j]) > iouThreshold) {
                    suppressed[j] = true;
                }
            }
        }
        return kept;
    }

    /** torchvision's float32 IoU: {@code inter / (area_i + area_j - inter)}, NaN for two empty boxes. */
    private static float iou(int[] a, float areaA, int[] b, float areaB) {
        float w = Math.max(0f, Math.min((float) a[2], (float) b[2]) - Math.max((float) a[0], (float) b[0]));
        float h = Math.max(0f, Math.min((float) a[3], (float) b[3]) - Math.max((float) a[1], (float) b[1]));
        float inter = w * h;
        return inter / (areaA + areaB - inter);
    }
}
