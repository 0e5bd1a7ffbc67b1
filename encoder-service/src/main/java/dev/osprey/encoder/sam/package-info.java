/**
 * Segment Anything in the encoder, without any framework: the SAM image encoder (in process or on
 * Triton, {@link dev.osprey.encoder.sam.SamImageEncoder}), the cache of image embeddings beside the
 * features ({@link dev.osprey.encoder.sam.SamEmbeddings}) and the prompt decoding and automatic mask
 * generation over it ({@link dev.osprey.encoder.sam.SamSegmenter}).
 */
package dev.osprey.encoder.sam;
