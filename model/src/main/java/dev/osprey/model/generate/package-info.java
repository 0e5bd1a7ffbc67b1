/**
 * Text generation over the decoder: sampling ({@link dev.osprey.model.generate.SamplingSettings},
 * {@link dev.osprey.model.generate.Sampler}) and the batched generation loop with stop conditions,
 * streaming and cancellation ({@link dev.osprey.model.generate.Generator}).
 */
package dev.osprey.model.generate;
