package dev.osprey.model.sam;

import dev.osprey.model.checkpoint.SafetensorsFile;
import dev.osprey.model.checkpoint.TensorStore;
import dev.osprey.model.checkpoint.TorchCheckpointFile;
import dev.osprey.model.error.OspreyException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * An official SAM checkpoint: a {@code .pth} state dict ({@code torch.save(sam.state_dict())}, bare
 * or wrapped as {@code {"model": ...}}) or a {@code .safetensors} file with the same keys, and its
 * geometry.
 *
 * @param weights the tensors; close the checkpoint to unmap them
 * @param config  the geometry, checked against every tensor
 */
public record SamCheckpoint(TensorStore weights, SamConfig config) implements AutoCloseable {

    /**
     * Opens {@code file} and works out its geometry: from {@code configJson} when given, else from a
     * {@value SamConfig#FILE_NAME} beside the file when there is one, else from the shapes and the
     * official variant they match (see {@link SamConfig#infer}).
     *
     * @throws OspreyException {@code BAD_CHECKPOINT} (or {@code BAD_INPUT} for a missing file) saying what is wrong
     */
    public static SamCheckpoint open(Path file, Path configJson) {
        if (!Files.isRegularFile(file)) {
            throw OspreyException.badInput("SAM checkpoint " + file + " does not exist");
        }
        if (configJson != null && !Files.isRegularFile(configJson)) {
            throw OspreyException.badInput("SAM config " + configJson + " does not exist");
        }
        Path beside = file.toAbsolutePath().resolveSibling(SamConfig.FILE_NAME);
        Path json = configJson != null ? configJson : Files.isRegularFile(beside) ? beside : null;
        TensorStore weights = file.getFileName().toString().endsWith(".safetensors") ? SafetensorsFile.open(file) : TorchCheckpointFile.open(file);
        try {
            return new SamCheckpoint(weights, SamConfig.infer(weights, json, file.getFileName().toString()));
        } catch (RuntimeException e) {
            weights.close();
            throw e;
        }
    }

    @Override
    public void close() {
        weights.close();
    }
}
