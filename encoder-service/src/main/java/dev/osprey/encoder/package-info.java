/**
 * encoder-service: the vision tower behind {@code osprey.internal.v1.Encoder}. The gRPC shell
 * ({@link dev.osprey.encoder.EncoderGrpcService}) and its wiring over the plain-Java parts: uploads
 * ({@link dev.osprey.encoder.uploads}), the feature cache ({@link dev.osprey.encoder.features}) and the
 * vision backends, embedded ONNX Runtime ({@link dev.osprey.encoder.vision}) or Triton over KServe v2
 * ({@link dev.osprey.encoder.triton}).
 */
package dev.osprey.encoder;
