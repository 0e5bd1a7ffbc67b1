package dev.osprey.llm.trtllm;

import com.google.protobuf.ByteString;
import com.google.protobuf.UnsafeByteOperations;
import dev.osprey.kserve.v2.InferParameter;
import dev.osprey.kserve.v2.ModelInferRequest;
import dev.osprey.kserve.v2.ModelInferResponse;
import dev.osprey.model.generate.GenerationRequest;
import dev.osprey.model.generate.SamplingSettings;
import dev.osprey.model.tensor.Floats;
import dev.osprey.model.trtllm.PromptTable;
import dev.osprey.model.trtllm.TrtllmContract;
import dev.osprey.model.trtllm.TrtllmTensor;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * The wire form of one answer's request to {@code tensorrt_llm} (KServe v2 raw contents: little-endian,
 * row-major, one entry per input in order), and of the ids in its responses.
 */
final class TrtllmRequests {

    private TrtllmRequests() {
    }

    /**
     * The request for one prompt: its ids and prompt table, Osprey's token limit, end and pad ids,
     * sampling and streaming; the table is sent as {@code tableDatatype} (the engine's type).
     */
    static ModelInferRequest request(String model, String id, PromptTable prompt, String tableDatatype, GenerationRequest generation,
            int endId, int padId) {
        SamplingSettings sampling = generation.sampling();
        int n = prompt.inputIds().length;
        int hidden = prompt.table().length / prompt.rows();
        ModelInferRequest.Builder request = ModelInferRequest.newBuilder().setModelName(model).setId(id)
                // The last response then says it is the last, even when the engine's last id came in an earlier one.
                .putParameters(TrtllmContract.ENABLE_EMPTY_FINAL_RESPONSE, InferParameter.newBuilder().setBoolParam(true).build());
        add(request, TrtllmContract.INPUT_IDS, int32(prompt.inputIds()), n);
        add(request, TrtllmContract.INPUT_LENGTHS, int32(n));
        add(request, TrtllmContract.REQUEST_OUTPUT_LEN, int32(generation.maxNewTokens()));
        add(request, TrtllmContract.END_ID, int32(endId));
        add(request, TrtllmContract.PAD_ID, int32(padId));
        add(request, TrtllmContract.BEAM_WIDTH, int32(1));
        // Greedy is top-k 1 at temperature 1: the engine then takes the arg max, as Osprey's greedy sampler does.
        add(request, TrtllmContract.TEMPERATURE, fp32(sampling.isGreedy() ? 1f : (float) sampling.temperature()));
        add(request, TrtllmContract.RUNTIME_TOP_K, int32(sampling.isGreedy() ? 1 : sampling.topK()));
        add(request, TrtllmContract.RUNTIME_TOP_P, fp32(sampling.isGreedy() ? 1f : (float) sampling.topP()));
        add(request, TrtllmContract.SEED, int64(sampling.seed()));
        add(request, TrtllmContract.STREAMING, bool(true));
        request.addInputs(input(TrtllmContract.PROMPT_EMBEDDING_TABLE, tableDatatype, prompt.rows(), hidden))
                .addRawInputContents(table(prompt.table(), tableDatatype));
        add(request, TrtllmContract.PROMPT_TABLE_EXTRA_IDS, int64(prompt.extraIds()), n);
        add(request, TrtllmContract.PROMPT_VOCAB_SIZE, int32(prompt.rows()));
        return request.build();
    }

    /** The ids a streamed response carries ({@code output_ids} [1, beam 1, k]); none in an empty final response. */
    static int[] outputIds(ModelInferResponse response) {
        for (int i = 0; i < response.getOutputsCount(); i++) {
            if (response.getOutputs(i).getName().equals(TrtllmContract.OUTPUT_IDS.name())) {
                ByteBuffer raw = response.getRawOutputContents(i).asReadOnlyByteBuffer().order(ByteOrder.LITTLE_ENDIAN);
                int[] ids = new int[raw.remaining() / Integer.BYTES];
                raw.asIntBuffer().get(ids);
                return ids;
            }
        }
        return new int[0];
    }

    /** Whether this is the request's last response. */
    static boolean last(ModelInferResponse response) {
        InferParameter last = response.getParametersMap().get(TrtllmContract.FINAL_RESPONSE);
        return last != null && last.getBoolParam();
    }

    private static void add(ModelInferRequest.Builder request, TrtllmTensor tensor, ByteString raw, long... sizes) {
        request.addInputs(input(tensor, tensor.datatype(), sizes)).addRawInputContents(raw);
    }

    private static ModelInferRequest.InferInputTensor input(TrtllmTensor tensor, String datatype, long... sizes) {
        ModelInferRequest.InferInputTensor.Builder input = ModelInferRequest.InferInputTensor.newBuilder()
                .setName(tensor.name()).setDatatype(datatype);
        for (long size : tensor.requestShape(sizes)) {
            input.addShape(size);
        }
        return input.build();
    }

    private static ByteBuffer buffer(int bytes) {
        return ByteBuffer.allocate(bytes).order(ByteOrder.LITTLE_ENDIAN);
    }

    private static ByteString wrap(ByteBuffer bytes) {
        // The array is not touched again, so no defensive copy is needed.
        return UnsafeByteOperations.unsafeWrap(bytes.array());
    }

    private static ByteString int32(int... values) {
        ByteBuffer bytes = buffer(values.length * Integer.BYTES);
        bytes.asIntBuffer().put(values);
        return wrap(bytes);
    }

    private static ByteString int64(long... values) {
        ByteBuffer bytes = buffer(values.length * Long.BYTES);
        bytes.asLongBuffer().put(values);
        return wrap(bytes);
    }

    private static ByteString fp32(float value) {
        return wrap(buffer(Float.BYTES).putFloat(0, value));
    }

    private static ByteString bool(boolean value) {
        return ByteString.copyFrom(new byte[] {(byte) (value ? 1 : 0)});
    }

    // FP16 and BF16 halve the table; FP32 only for an engine built in float32.
    private static ByteString table(float[] values, String datatype) {
        return switch (datatype) {
            case "FP32" -> {
                ByteBuffer bytes = buffer(values.length * Float.BYTES);
                bytes.asFloatBuffer().put(values);
                yield wrap(bytes);
            }
            case "FP16", "BF16" -> {
                ByteBuffer bytes = buffer(values.length * Short.BYTES);
                for (int i = 0; i < values.length; i++) {
                    bytes.putShort(i * Short.BYTES, datatype.equals("FP16") ? Floats.floatToF16(values[i]) : Floats.floatToBf16(values[i]));
                }
                yield wrap(bytes);
            }
            default -> throw new IllegalArgumentException("prompt_embedding_table as " + datatype + " is not supported (FP16, BF16, FP32)");
        };
    }
}
