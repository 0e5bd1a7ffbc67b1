/**
 * The vision tower (spec §1–§2): its geometry read from a checkpoint ({@link dev.osprey.model.vision.VisionConfig}),
 * the ONNX graph of the ConvNeXt trunk and mm_projector ({@link dev.osprey.model.vision.VisionGraphBuilder}),
 * the in-process runtime that turns pixel_values into res2..res5 and image tokens
 * ({@link dev.osprey.model.vision.OnnxVisionTower} → {@link dev.osprey.model.vision.VisionFeatures}),
 * and the Triton model repository that serves the same model ({@link dev.osprey.model.vision.TritonRepository}).
 */
package dev.osprey.model.vision;
