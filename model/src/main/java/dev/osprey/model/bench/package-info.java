/**
 * Benchmarks run by {@code osprey bench}: the machine's bounds (memory bandwidth, GEMM peak) and
 * the model's stages against them. Figures go to BENCHMARKS.md; tests never time anything.
 */
package dev.osprey.model.bench;
