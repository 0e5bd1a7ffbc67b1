/**
 * Segment Anything (SAM) inference, reference-exact to the official implementation: checkpoint
 * geometry ({@link dev.osprey.model.sam.SamConfig}), preprocessing
 * ({@link dev.osprey.model.sam.SamPreprocessor}), the image encoder and prompt decoder as ONNX graphs
 * ({@link dev.osprey.model.sam.SamEncoderGraphBuilder}, {@link dev.osprey.model.sam.SamDecoderGraphBuilder}),
 * running them ({@link dev.osprey.model.sam.SamPredictor}) and post-processing
 * ({@link dev.osprey.model.sam.SamMasks}). Prompts are in original image pixels.
 */
package dev.osprey.model.sam;
