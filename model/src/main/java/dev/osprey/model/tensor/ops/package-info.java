/** Small numeric kernels in plain Java that must match PyTorch's exact semantics. */
package dev.osprey.model.tensor.ops;
