/**
 * Tensors as stored and moved around: element types, shapes and little-endian row-major bytes, with
 * conversions between bf16, fp16 and fp32. Compute lives elsewhere.
 */
package dev.osprey.model.tensor;
