package dev.osprey.model.sam;

import dev.osprey.model.checkpoint.PendingTensor;
import dev.osprey.model.checkpoint.TorchCheckpointWriter;
import dev.osprey.model.error.OspreyException;
import dev.osprey.model.error.Reason;
import dev.osprey.model.tensor.DType;
import dev.osprey.model.tensor.Shape;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * Writes a random SAM checkpoint with the official key layout ({@code torch.save(sam.state_dict())},
 * float32) and the real 1024 / 64 / 256 geometry, plus its {@value SamConfig#FILE_NAME} beside it.
 * Widths are the golden set's tiny ones or an official variant's (for benchmarks).
 */
public final class RandomSamCheckpoint {

    /** The widths to write. */
    public enum Size {
        /** The golden set's tiny geometry: ViT 48 x 4 blocks, 3 heads, global blocks 1 and 3, prompt width 32. */
        TINY,
        VIT_B,
        VIT_L,
        VIT_H;

        /** The geometry of this size. */
        public SamConfig config() {
            return switch (this) {
                case TINY -> new SamConfig("custom", 1024, 16, 48, 4, 3, 192, List.of(1, 3), 14, 32, 16, 2, 2, 64, 2, 3, 32, 3,
                        SamConfig.PIXEL_MEAN, SamConfig.PIXEL_STD, SamConfig.ENCODER_EPS, SamConfig.DECODER_EPS);
                case VIT_B -> SamVariant.VIT_B.config();
                case VIT_L -> SamVariant.VIT_L.config();
                case VIT_H -> SamVariant.VIT_H.config();
            };
        }
    }

    private final SamConfig config;
    private final long seed;

    public RandomSamCheckpoint(Size size, long seed) {
        this.config = size.config();
        this.seed = seed;
    }

    /** Writes the checkpoint to {@code file} (a .pth) and the geometry beside it; returns the geometry. */
    public SamConfig write(Path file) {
        Map<String, long[]> keys = SamKeys.expected(config);
        List<PendingTensor> tensors = keys.entrySet().stream()
                .map(e -> new PendingTensor(e.getKey(), DType.F32, e.getValue(), () -> values(e.getKey(), e.getValue())))
                .toList();
        try {
            Path parent = file.toAbsolutePath().getParent();
            Files.createDirectories(parent);
            TorchCheckpointWriter.write(file, tensors);
            Files.writeString(parent.resolve(SamConfig.FILE_NAME), config.toJson());
        } catch (IOException e) {
            throw new OspreyException(Reason.INTERNAL, "cannot write " + file + ": " + e.getMessage(), e);
        }
        return config;
    }

    /**
     * Uniform values with a standard deviation by role: LayerNorm weights around 1, biases and position
     * tables small, the Fourier matrix and token embeddings unit, weights 1/√fan-in.
     */
    private ByteBuffer values(String key, long[] shape) {
        int n = Math.toIntExact(Shape.numel(shape));
        double mean = 0;
        double std;
        if (shape.length == 1) {
            boolean norm = key.endsWith(".weight");
            mean = norm ? 1 : 0;
            std = norm ? 0.1 : 0.02;
        } else if (key.equals(SamKeys.PE_GAUSSIAN) || key.startsWith(SamKeys.PROMPT) && shape.length == 2 || key.endsWith("token.weight")
                || key.endsWith("tokens.weight")) {
            std = 1;
        } else if (key.equals(SamKeys.POS_EMBED) || key.contains("rel_pos")) {
            std = 0.02;
        } else {
            std = 1 / Math.sqrt((double) n / shape[0]);
        }
        SplittableRandom random = new SplittableRandom(seed * 1_000_003L + key.hashCode());
        double a = std * Math.sqrt(3);
        ByteBuffer out = ByteBuffer.allocate(4 * n).order(ByteOrder.LITTLE_ENDIAN);
        for (int i = 0; i < n; i++) {
            out.putFloat((float) (mean + a * (2 * random.nextDouble() - 1)));
        }
        return out.flip();
    }
}
