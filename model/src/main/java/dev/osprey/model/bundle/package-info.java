/**
 * The model bundle: what {@code osprey convert} writes from a checkpoint and what the services load.
 * A directory with {@code bundle.json} (the {@link dev.osprey.model.bundle.BundleManifest}), the vision
 * and decoder ONNX models, the extractor weights, the token embedding table, the tokenizer files and a
 * Triton model repository for the vision model.
 */
package dev.osprey.model.bundle;
