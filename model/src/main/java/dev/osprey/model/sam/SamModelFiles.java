package dev.osprey.model.sam;

import java.nio.file.Path;

/**
 * Where a SAM model's two ONNX graphs are, and its geometry: from a bundle
 * ({@code ModelBundle#sam()}) or written from a checkpoint ({@link SamGraphs#write}).
 *
 * @param imageEncoder  the image encoder graph ({@link SamEncoderGraphBuilder})
 * @param promptDecoder the prompt encoder + mask decoder graph ({@link SamDecoderGraphBuilder})
 * @param config        the geometry
 */
public record SamModelFiles(Path imageEncoder, Path promptDecoder, SamConfig config) {
}
