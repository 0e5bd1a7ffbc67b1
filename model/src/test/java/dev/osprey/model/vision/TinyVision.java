package dev.osprey.model.vision;

import dev.osprey.model.Golden;
import dev.osprey.model.checkpoint.SafetensorsFile;
import dev.osprey.model.checkpoint.TensorStore;
import dev.osprey.model.error.OspreyException;
import dev.osprey.model.tensor.Tensor;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.function.UnaryOperator;

/** The tiny golden checkpoint's vision model and golden inputs, shared by the vision tests. */
final class TinyVision {

    private TinyVision() {
    }

    /** The golden safetensors checkpoint (close it). */
    static SafetensorsFile checkpoint() {
        return SafetensorsFile.open(Golden.safetensorsCheckpoint().resolve("model.safetensors"));
    }

    /** Builds the float32 vision model of the golden checkpoint into {@code dir}; returns vision.onnx. */
    static Path build(Path dir) {
        try (SafetensorsFile checkpoint = checkpoint()) {
            return VisionGraphBuilder.write(checkpoint, VisionConfig.from(checkpoint), dir);
        }
    }

    /** The golden {@code pixel_values} [3,512,512] of one case. */
    static float[] pixelValues(String caseName) {
        try (SafetensorsFile tensors = Golden.tensors(caseName)) {
            return tensors.floats("pixel_values");
        }
    }

    /**
     * A view of {@code store} whose keys are renamed by {@code rename} (a key mapped to null is
     * hidden) and whose tensors pass through {@code change}.
     */
    static TensorStore view(TensorStore store, UnaryOperator<String> rename, UnaryOperator<Tensor> change) {
        Map<String, String> original = new LinkedHashMap<>();
        for (String name : store.names()) {
            String renamed = rename.apply(name);
            if (renamed != null) {
                original.put(renamed, name);
            }
        }
        return new TensorStore() {
            @Override
            public Set<String> names() {
                return original.keySet();
            }

            @Override
            public Tensor get(String name) {
                String key = original.get(name);
                if (key == null) {
                    throw OspreyException.badCheckpoint("no tensor '" + name + "'");
                }
                return change.apply(store.get(key).renamed(name));
            }

            @Override
            public void close() {
                store.close();
            }
        };
    }
}
