/**
 * Where the vision tower runs ({@link dev.osprey.encoder.vision.VisionBackend}: in process or on Triton)
 * and the micro-batcher that puts concurrent encodes of different images into one model run.
 */
package dev.osprey.encoder.vision;
