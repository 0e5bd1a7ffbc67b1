package dev.osprey.model.trtllm;

import java.util.List;

/**
 * One input or output of the {@code tensorrt_llm} model as its configuration declares it.
 *
 * @param name     the tensor's name in config.pbtxt and in KServe v2 requests
 * @param datatype the KServe v2 data type ({@code INT32}, {@code UINT64}, {@code FP16}, {@code BOOL}, ...);
 *                 config.pbtxt writes it as {@code TYPE_<datatype>}
 * @param dims     the dims without the batch dimension ({@code -1}: any size), as config.pbtxt declares them
 * @param optional whether a request may leave it out (inputs only)
 */
public record TrtllmTensor(String name, String datatype, List<Integer> dims, boolean optional) {

    public TrtllmTensor {
        dims = List.copyOf(dims);
    }

    static TrtllmTensor required(String name, String datatype, Integer... dims) {
        return new TrtllmTensor(name, datatype, List.of(dims), false);
    }

    static TrtllmTensor optional(String name, String datatype, Integer... dims) {
        return new TrtllmTensor(name, datatype, List.of(dims), true);
    }

    /** Its data type as config.pbtxt spells it. */
    public String configType() {
        return "TYPE_" + datatype;
    }

    /**
     * The shape of one request's value: the batch dimension (1: Triton batches requests itself, in
     * flight) then the dims, each {@code -1} replaced by the next of {@code sizes}.
     */
    public long[] requestShape(long... sizes) {
        long[] shape = new long[dims.size() + 1];
        shape[0] = 1;
        int next = 0;
        for (int i = 0; i < dims.size(); i++) {
            shape[i + 1] = dims.get(i) >= 0 ? dims.get(i) : sizes[next++];
        }
        if (next != sizes.length) {
            throw new IllegalArgumentException(name + " has " + next + " variable dim(s), got " + sizes.length + " size(s)");
        }
        return shape;
    }
}
