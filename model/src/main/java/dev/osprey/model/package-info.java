/**
 * The Osprey model in plain Java: everything about the model that is not a service concern
 * (checkpoints, the model bundle, ONNX graphs, preprocessing, masks, region tokens, text and
 * generation). No Spring, gRPC transport, Reactor or Micrometer here: services are thin shells
 * around these classes.
 */
package dev.osprey.model;
