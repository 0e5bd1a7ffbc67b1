/**
 * extractor-service: region tokens behind {@code osprey.internal.v1.Extractor}. The gRPC shell
 * ({@link dev.osprey.extractor.ExtractorGrpcService}) decodes the masks, fetches the image's feature
 * maps from its encoder by image id and runs the model's mask extractor over them
 * ({@link dev.osprey.extractor.RegionExtraction}).
 */
package dev.osprey.extractor;
