/**
 * Reading and writing checkpoint files: safetensors, PyTorch zip archives (with a small pickle
 * interpreter), sharded Hugging Face checkpoints and their {@code config.json}. Files are memory-mapped
 * tensor by tensor so that a 14 GB checkpoint never lands on the heap.
 */
package dev.osprey.model.checkpoint;
