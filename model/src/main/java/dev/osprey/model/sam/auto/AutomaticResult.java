package dev.osprey.model.sam.auto;

import java.util.List;

/**
 * What one generator run produced: the masks in the reference's order and the per-crop stage counts.
 *
 * @param masks the masks, as {@link AutomaticMaskGenerator#generate} returns them
 * @param crops each crop's stage counts, in crop order
 */
public record AutomaticResult(List<AutomaticMask> masks, List<CropStages> crops) {
}
