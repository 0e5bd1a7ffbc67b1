package dev.osprey.model.vision;

import dev.osprey.model.error.OspreyException;
import dev.osprey.model.error.Reason;
import dev.osprey.model.tensor.DType;
import dev.osprey.onnx.proto.GraphProto;
import dev.osprey.onnx.proto.ModelProto;
import dev.osprey.onnx.proto.StringStringEntryProto;
import dev.osprey.onnx.proto.TensorProto;
import dev.osprey.onnx.proto.TensorShapeProto;
import dev.osprey.onnx.proto.ValueInfoProto;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;

/**
 * Writes a Triton Inference Server model repository that serves the vision model with the ONNX
 * Runtime backend:
 *
 * <pre>
 * &lt;repository&gt;/osprey_vision/
 *   config.pbtxt          GPU: instance_group KIND_GPU, dynamic batching up to max_batch_size
 *   configs/cpu.pbtxt     the same on CPU (KIND_CPU)
 *   1/model.onnx          copy of vision.onnx
 *   1/vision.onnx.data    copy of its external data, under the name the model refers to
 * </pre>
 *
 * <p>Files are real copies, not symlinks, because a volume mount of the repository breaks links.
 * Input and output names, types and dims are read from the model file itself (dims exclude the batch
 * dimension, which Triton adds because max_batch_size &gt; 0).
 *
 * <p><b>GPU or CPU.</b> Triton reads {@code config.pbtxt} by default. To serve on CPU, start it with
 * {@code tritonserver --model-repository=<repository> --model-config-name=cpu}, which makes it read
 * {@code osprey_vision/configs/cpu.pbtxt} instead (Triton's custom model configurations); with a
 * Triton too old for that flag, copy {@code configs/cpu.pbtxt} over {@code config.pbtxt}.
 *
 * @param maxBatchSize        the largest batch Triton's dynamic batcher forms (and clients may send)
 * @param maxQueueDelayMicros how long a request may wait for others to join its batch
 */
public record TritonRepository(int maxBatchSize, long maxQueueDelayMicros) {

    /** The model's name in the repository and in KServe v2 requests. */
    public static final String MODEL_NAME = "osprey_vision";
    /** The version folder we write. */
    public static final String VERSION = "1";
    /** The file name Triton's ONNX Runtime backend loads from a version folder. */
    public static final String MODEL_FILE = "model.onnx";
    /** The custom configuration selected with {@code --model-config-name=cpu}. */
    public static final String CPU_CONFIG = "configs/cpu.pbtxt";
    /**
     * Batches of up to 8 images; a request waits at most 2 ms for company, small next to one image's
     * encode time (hundreds of ms on CPU, tens on a GPU).
     */
    public static final TritonRepository DEFAULT = new TritonRepository(8, 2_000);

    public TritonRepository {
        if (maxBatchSize < 1 || maxQueueDelayMicros < 0) {
            throw new IllegalArgumentException("max batch size must be >= 1 and the queue delay >= 0, got "
                    + maxBatchSize + " and " + maxQueueDelayMicros);
        }
    }

    /**
     * Creates (or refreshes) {@code <repository>/osprey_vision} from a vision model file and the
     * external-data files it refers to, and returns that model folder.
     *
     * @throws OspreyException {@code BAD_BUNDLE} when the model or a data file it names is missing or unreadable
     */
    public Path write(Path visionModel, Path repository) {
        return write(visionModel, repository, MODEL_NAME, "The Osprey vision tower (ConvNeXt trunk + mm_projector)");
    }

    /**
     * Creates (or refreshes) {@code <repository>/<name>} serving {@code model} (any float32 graph whose
     * inputs and outputs have a symbolic batch dimension first) the same way, e.g. the SAM image encoder,
     * and returns that model folder.
     *
     * @param description one line for the configuration's comment
     */
    public Path write(Path model, Path repository, String name, String description) {
        GraphProto graph = readGraph(model);
        Path modelDir = repository.resolve(name);
        Path versionDir = modelDir.resolve(VERSION);
        try {
            Files.createDirectories(versionDir);
            Files.createDirectories(modelDir.resolve(CPU_CONFIG).getParent());
            Files.copy(model, versionDir.resolve(MODEL_FILE), StandardCopyOption.REPLACE_EXISTING);
            for (String location : externalFiles(model, graph)) {
                Files.copy(model.resolveSibling(location), versionDir.resolve(location), StandardCopyOption.REPLACE_EXISTING);
            }
            Files.writeString(modelDir.resolve("config.pbtxt"), config(graph, name, description, "KIND_GPU"), StandardCharsets.UTF_8);
            Files.writeString(modelDir.resolve(CPU_CONFIG), config(graph, name, description, "KIND_CPU"), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new OspreyException(Reason.INTERNAL, "cannot write the Triton repository " + repository + ": " + e.getMessage(), e);
        }
        return modelDir;
    }

    /** The model configuration (protobuf text format) for one instance kind. */
    private String config(GraphProto graph, String name, String description, String kind) {
        return """
                # %s, written by osprey-serving.
                name: "%s"
                backend: "onnxruntime"
                max_batch_size: %d
                input [
                %s
                ]
                output [
                %s
                ]
                dynamic_batching {
                  max_queue_delay_microseconds: %d
                }
                instance_group [
                  {
                    count: 1
                    kind: %s
                  }
                ]
                """.formatted(description, name, maxBatchSize, tensors(graph.getInputList()), tensors(graph.getOutputList()),
                maxQueueDelayMicros, kind);
    }

    private static String tensors(List<ValueInfoProto> values) {
        return values.stream().map(TritonRepository::tensor).collect(Collectors.joining(",\n"));
    }

    private static String tensor(ValueInfoProto value) {
        if (value.getType().getTensorType().getElemType() != DType.F32.onnxType()) {
            throw new OspreyException(Reason.BAD_BUNDLE, "model tensor '" + value.getName()
                    + "' is not float32 (ONNX type " + value.getType().getTensorType().getElemType() + ")");
        }
        List<TensorShapeProto.Dimension> dims = value.getType().getTensorType().getShape().getDimList();
        if (dims.isEmpty() || dims.get(0).hasDimValue()) {
            throw new OspreyException(Reason.BAD_BUNDLE, "model tensor '" + value.getName()
                    + "' has no symbolic batch dimension, which batching needs");
        }
        String shape = dims.subList(1, dims.size()).stream()
                .map(d -> d.hasDimValue() ? Long.toString(d.getDimValue()) : "-1")
                .collect(Collectors.joining(", "));
        return "  {\n    name: \"%s\"\n    data_type: TYPE_FP32\n    dims: [ %s ]\n  }".formatted(value.getName(), shape);
    }

    private static GraphProto readGraph(Path model) {
        // The model file holds no weights (they are external), so parsing it is cheap.
        try (InputStream in = Files.newInputStream(model)) {
            return ModelProto.parseFrom(in).getGraph();
        } catch (IOException e) {
            throw new OspreyException(Reason.BAD_BUNDLE, "cannot read the model " + model + ": " + e.getMessage(), e);
        }
    }

    /** The data files the initializers refer to: plain names in the model's folder. */
    private static Set<String> externalFiles(Path model, GraphProto graph) {
        Set<String> files = new TreeSet<>();
        for (TensorProto tensor : graph.getInitializerList()) {
            for (StringStringEntryProto entry : tensor.getExternalDataList()) {
                if (entry.getKey().equals("location")) {
                    files.add(entry.getValue());
                }
            }
        }
        for (String file : files) {
            if (!Path.of(file).getFileName().toString().equals(file) || !Files.isRegularFile(model.resolveSibling(file))) {
                throw new OspreyException(Reason.BAD_BUNDLE, model + " refers to external data '" + file
                        + "', which is not a file beside it");
            }
        }
        return files;
    }
}
