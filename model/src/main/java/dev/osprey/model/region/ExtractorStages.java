package dev.osprey.model.region;

import java.util.List;

/**
 * Every intermediate of one {@link MaskExtractor} call, named as in the golden tensors, for
 * parity tests and debugging.
 *
 * @param posInput      {@code pos_input_112}: {@code [Q][S*S]}, the unbinarised mask resized to S x S
 * @param pooled        {@code mask_pooled.resK}: per level {@code [Q][C_k]}
 * @param levelFeatures {@code mask_level_feat.resK}: per level {@code [Q][E]}
 * @param tokens        the result
 */
public record ExtractorStages(float[][] posInput, List<float[][]> pooled, List<float[][]> levelFeatures, RegionTokens tokens) {
}
