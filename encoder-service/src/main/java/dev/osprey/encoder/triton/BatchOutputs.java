package dev.osprey.encoder.triton;

import com.google.protobuf.ByteString;
import dev.osprey.kserve.v2.ModelInferResponse;
import dev.osprey.model.error.OspreyException;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;
import java.util.function.Function;

/**
 * The FP32 outputs of one ModelInfer over a batch, by name, each checked to be raw contents of
 * {@code [batch, ...]}; problems go to the caller's {@code malformed}, which names server and model.
 */
final class BatchOutputs {

    /** KServe's name for float32. */
    static final String FP32 = "FP32";

    /** One output: its per-item shape and raw contents. */
    record Output(long[] shape, int itemFloats, ByteString raw) {

        /** Item {@code index}'s floats. */
        float[] item(int index) {
            return RawTensors.floats(raw, index * itemFloats, itemFloats);
        }
    }

    private final Map<String, Output> byName = new HashMap<>();
    private final Function<String, OspreyException> malformed;

    BatchOutputs(ModelInferResponse response, int batch, Function<String, OspreyException> malformed) {
        this.malformed = malformed;
        for (int i = 0; i < response.getOutputsCount(); i++) {
            ModelInferResponse.InferOutputTensor tensor = response.getOutputs(i);
            byName.put(tensor.getName(), output(tensor, i < response.getRawOutputContentsCount() ? response.getRawOutputContents(i) : null,
                    batch));
        }
    }

    /** The output {@code name}, whose items have rank {@code rank}. */
    Output required(String name, int rank) {
        Output output = byName.get(name);
        if (output == null || output.shape().length != rank) {
            throw malformed.apply(output == null ? "no output '" + name + "'" : "output '" + name + "' has rank " + (output.shape().length + 1));
        }
        return output;
    }

    private Output output(ModelInferResponse.InferOutputTensor tensor, ByteString raw, int batch) {
        long[] shape = tensor.getShapeList().stream().mapToLong(Long::longValue).toArray();
        if (!tensor.getDatatype().equals(FP32) || shape.length < 2 || shape[0] != batch || raw == null) {
            throw malformed.apply("output '" + tensor.getName() + "' is " + tensor.getDatatype() + " " + Arrays.toString(shape)
                    + (raw == null ? " without raw contents" : "") + ", expected " + FP32 + " [" + batch + ", ...] as raw contents");
        }
        long[] perItem = Arrays.copyOfRange(shape, 1, shape.length);
        long floats = Arrays.stream(perItem).reduce(1, Math::multiplyExact);
        if (raw.size() != batch * floats * Float.BYTES) {
            throw malformed.apply("output '" + tensor.getName() + "' has " + raw.size() + " bytes for shape " + Arrays.toString(shape));
        }
        return new Output(perItem, Math.toIntExact(floats), raw);
    }
}
