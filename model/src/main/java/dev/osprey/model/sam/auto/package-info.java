/**
 * Segment Anything's automatic mask generator, reference-exact: point grids over the image and its
 * crops, batched point prompts, predicted-IoU and stability filtering, box NMS per crop and across
 * crops, masks as COCO annotations ({@link dev.osprey.model.sam.auto.AutomaticMaskGenerator},
 * {@link dev.osprey.model.sam.auto.AutomaticParams}, {@link dev.osprey.model.sam.auto.AutomaticMasksJson}).
 */
package dev.osprey.model.sam.auto;
