/**
 * Region masks and their codecs: {@link dev.osprey.model.mask.BinaryMask}, COCO RLE (compressed
 * and uncompressed), COCO polygons and boxes rasterised exactly as pycocotools does, PNG masks and
 * the CLI's JSON mask files. Errors are {@code BAD_INPUT} and say what to fix;
 * {@link dev.osprey.model.mask.MaskCodec} adds the region number.
 */
package dev.osprey.model.mask;
