/**
 * Our KServe v2 (Open Inference Protocol) gRPC client and the vision backend on a Triton server that
 * hosts the repository {@link dev.osprey.model.vision.TritonRepository} writes. No third-party Triton client.
 */
package dev.osprey.encoder.triton;
