/**
 * Text generation over the decoder: sampling ({@link dev.osprey.model.generate.SamplingSettings},
 * {@link dev.osprey.model.generate.Sampler}), the fixed-batch generation loop with stop conditions,
 * streaming and cancellation ({@link dev.osprey.model.generate.Generator}), and the shared batch that
 * concurrent generations join and leave at step boundaries ({@link dev.osprey.model.generate.DecodeLoop}).
 */
package dev.osprey.model.generate;
