/**
 * Writing ONNX models with our ONNX protobuf subset: a small graph builder, weights streamed into
 * an external-data file tensor by tensor (a model proto never holds weights), and ONNX Runtime
 * session helpers. The Osprey graphs themselves live with their stages (vision, decode).
 */
package dev.osprey.model.onnx;
