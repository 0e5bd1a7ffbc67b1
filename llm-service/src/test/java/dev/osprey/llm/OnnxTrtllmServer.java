package dev.osprey.llm;

import com.google.protobuf.ByteString;
import dev.osprey.kserve.v2.GRPCInferenceServiceGrpc;
import dev.osprey.kserve.v2.InferParameter;
import dev.osprey.kserve.v2.ModelInferRequest;
import dev.osprey.kserve.v2.ModelInferResponse;
import dev.osprey.kserve.v2.ModelMetadataRequest;
import dev.osprey.kserve.v2.ModelMetadataResponse;
import dev.osprey.kserve.v2.ModelReadyRequest;
import dev.osprey.kserve.v2.ModelReadyResponse;
import dev.osprey.kserve.v2.ModelStreamInferResponse;
import dev.osprey.kserve.v2.ServerReadyRequest;
import dev.osprey.kserve.v2.ServerReadyResponse;
import dev.osprey.model.bundle.ModelBundle;
import dev.osprey.model.checkpoint.SafetensorsFile;
import dev.osprey.model.decode.Cancellation;
import dev.osprey.model.decode.DecoderSession;
import dev.osprey.model.decode.EmbeddingTable;
import dev.osprey.model.decode.KvCache;
import dev.osprey.model.generate.Sampler;
import dev.osprey.model.generate.SamplingSettings;
import dev.osprey.model.tensor.Floats;
import dev.osprey.model.trtllm.TrtllmContract;
import dev.osprey.model.trtllm.TrtllmTensor;
import io.grpc.Grpc;
import io.grpc.InsecureServerCredentials;
import io.grpc.Server;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A stand-in for Triton serving {@code tensorrt_llm} on a loopback port, for tests where there is no
 * GPU: ServerReady, ModelReady, ModelMetadata and decoupled ModelStreamInfer under {@link TrtllmContract}, checking every input's
 * name, data type and shape as the model configuration declares them. It embeds a prompt as the
 * TensorRT-LLM engine does (ids below the vocabulary from the token embedding table, the others as rows
 * of the request's prompt table), then decodes with our own ONNX decoder of the bundle and streams one
 * id per response, leaving out the end id as the engine does. KV-cache reuse is modelled as the
 * engine keys it (blocks of {@value #TOKENS_PER_BLOCK} positions, each keyed by every id and extra id
 * up to its end) and recorded per request ({@link #reusedPositions}); the numbers are computed in full
 * either way. A cancelled stream stops its decoding within one step ({@link #cancelledRequests}).
 */
final class OnnxTrtllmServer implements AutoCloseable {

    /** Positions per KV block (TensorRT-LLM's tokens_per_block; 64 by default there, smaller here for the tiny prompts). */
    static final int TOKENS_PER_BLOCK = 16;

    private final SafetensorsFile embeddingFile;
    private final EmbeddingTable embeddings;
    private final DecoderSession decoder;
    private final String tableDatatype;
    private final Server server;
    private final ExecutorService engine = Executors.newFixedThreadPool(4);
    private final Set<String> cachedBlocks = ConcurrentHashMap.newKeySet();
    /** Per request in arrival order, how many leading prompt positions an engine would take from cached blocks. */
    final List<Integer> reusedPositions = new CopyOnWriteArrayList<>();
    /** Requests whose stream was cancelled while they decoded. */
    final AtomicInteger cancelledRequests = new AtomicInteger();
    /** A pause before each generated id, to let a test act mid-stream. */
    volatile long delayMillis;

    /** Serves the bundle's decoder, declaring the prompt table as {@code tableDatatype} (the engine's type). */
    OnnxTrtllmServer(ModelBundle bundle, String tableDatatype) {
        this.tableDatatype = tableDatatype;
        this.embeddingFile = SafetensorsFile.open(bundle.embeddings());
        this.embeddings = EmbeddingTable.from(embeddingFile);
        this.decoder = bundle.openDecoder(1);
        try {
            this.server = Grpc.newServerBuilderForPort(0, InsecureServerCredentials.create()).maxInboundMessageSize(64 << 20)
                    .addService(new Service()).build().start();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    String address() {
        return "localhost:" + server.getPort();
    }

    private final class Service extends GRPCInferenceServiceGrpc.GRPCInferenceServiceImplBase {

        @Override
        public void serverReady(ServerReadyRequest request, StreamObserver<ServerReadyResponse> response) {
            response.onNext(ServerReadyResponse.newBuilder().setReady(true).build());
            response.onCompleted();
        }

        @Override
        public void modelReady(ModelReadyRequest request, StreamObserver<ModelReadyResponse> response) {
            response.onNext(ModelReadyResponse.newBuilder().setReady(request.getName().equals(TrtllmContract.MODEL_NAME)).build());
            response.onCompleted();
        }

        @Override
        public void modelMetadata(ModelMetadataRequest request, StreamObserver<ModelMetadataResponse> response) {
            ModelMetadataResponse.Builder metadata = ModelMetadataResponse.newBuilder().setName(TrtllmContract.MODEL_NAME)
                    .setPlatform(TrtllmContract.BACKEND).addVersions("1");
            TrtllmContract.INPUTS.forEach(t -> metadata.addInputs(metadata(t, t == TrtllmContract.PROMPT_EMBEDDING_TABLE
                    ? tableDatatype : t.datatype())));
            TrtllmContract.OUTPUTS.forEach(t -> metadata.addOutputs(metadata(t, t.datatype())));
            response.onNext(metadata.build());
            response.onCompleted();
        }

        @Override
        public StreamObserver<ModelInferRequest> modelStreamInfer(StreamObserver<ModelStreamInferResponse> responses) {
            ServerCallStreamObserver<ModelStreamInferResponse> call = (ServerCallStreamObserver<ModelStreamInferResponse>) responses;
            Cancellation cancellation = new Cancellation();
            call.setOnCancelHandler(cancellation::cancel);
            AtomicInteger open = new AtomicInteger(1);
            Runnable closeOne = () -> {
                if (open.decrementAndGet() == 0 && !cancellation.cancelled()) {
                    synchronized (call) {
                        call.onCompleted();
                    }
                }
            };
            return new StreamObserver<>() {
                @Override
                public void onNext(ModelInferRequest request) {
                    open.incrementAndGet();
                    engine.execute(() -> {
                        try {
                            generate(request, call, cancellation);
                        } catch (RuntimeException e) {
                            // Triton answers a refused or failed request of a stream with an error message, and the stream goes on.
                            send(call, ModelStreamInferResponse.newBuilder().setErrorMessage(e.getMessage()).build());
                        } finally {
                            closeOne.run();
                        }
                    });
                }

                @Override
                public void onError(Throwable t) {
                    cancellation.cancel();
                }

                @Override
                public void onCompleted() {
                    closeOne.run();
                }
            };
        }
    }

    private void generate(ModelInferRequest request, ServerCallStreamObserver<ModelStreamInferResponse> call, Cancellation cancellation) {
        Map<String, ByteBuffer> inputs = checkedInputs(request);
        int[] ids = ints(inputs.get(TrtllmContract.INPUT_IDS.name()));
        long[] extraIds = longs(inputs.get(TrtllmContract.PROMPT_TABLE_EXTRA_IDS.name()));
        int rows = ints(inputs.get(TrtllmContract.PROMPT_VOCAB_SIZE.name()))[0];
        float[] table = tableFloats(inputs.get(TrtllmContract.PROMPT_EMBEDDING_TABLE.name()));
        int hidden = embeddings.hidden();
        require(ints(inputs.get(TrtllmContract.INPUT_LENGTHS.name()))[0] == ids.length, "input_lengths is not the length of input_ids");
        require(extraIds.length == ids.length, "prompt_table_extra_ids must hold one id per input id");
        require(table.length == (long) rows * hidden, "prompt_embedding_table is not prompt_vocab_size x hidden");
        require(bool(inputs.get(TrtllmContract.STREAMING.name())), "this decoupled model answers streaming requests");
        recordReuse(ids, extraIds);
        float[] embeds = new float[ids.length * hidden];
        for (int i = 0; i < ids.length; i++) {
            if (ids[i] < embeddings.vocab()) {
                embeddings.copyRow(ids[i], embeds, i * hidden);
            } else {
                require(ids[i] - embeddings.vocab() < rows, "input id " + ids[i] + " is beyond the prompt table's " + rows + " rows");
                System.arraycopy(table, (ids[i] - embeddings.vocab()) * hidden, embeds, i * hidden, hidden);
            }
        }
        int maxNew = ints(inputs.get(TrtllmContract.REQUEST_OUTPUT_LEN.name()))[0];
        int endId = ints(inputs.get(TrtllmContract.END_ID.name()))[0];
        Sampler sampler = Sampler.forBatch(sampling(inputs), 1)[0];
        int vocab = decoder.config().vocab();
        try (KvCache cache = decoder.newCache(1, ids.length + maxNew)) {
            float[] logits = decoder.prefill(cache, embeds, ids.length, cancellation);
            for (int produced = 0; produced < maxNew; produced++) {
                if (cancellation.cancelled()) {
                    cancelledRequests.incrementAndGet();
                    return;
                }
                pause();
                int id = sampler.next(logits, 0, vocab);
                if (id == endId) {
                    break;
                }
                send(call, response(request, id));
                logits = decoder.step(cache, embeddings.row(id), cancellation);
            }
        } catch (RuntimeException e) {
            if (cancellation.cancelled()) {
                cancelledRequests.incrementAndGet();
                return;
            }
            throw e;
        }
        InferParameter wantsFinal = request.getParametersMap().get(TrtllmContract.ENABLE_EMPTY_FINAL_RESPONSE);
        if (wantsFinal != null && wantsFinal.getBoolParam()) {
            send(call, ModelStreamInferResponse.newBuilder().setInferResponse(ModelInferResponse.newBuilder()
                    .setModelName(TrtllmContract.MODEL_NAME).setId(request.getId())
                    .putParameters(TrtllmContract.FINAL_RESPONSE, InferParameter.newBuilder().setBoolParam(true).build())).build());
        }
    }

    // Each full block is keyed by every id and extra id up to its end, as TensorRT-LLM's block reuse keys it.
    private void recordReuse(int[] ids, long[] extraIds) {
        int reused = 0;
        boolean matching = true;
        for (int end = TOKENS_PER_BLOCK; end <= ids.length; end += TOKENS_PER_BLOCK) {
            String key = Arrays.toString(Arrays.copyOf(ids, end)) + Arrays.toString(Arrays.copyOf(extraIds, end));
            matching &= !cachedBlocks.add(key);
            if (matching) {
                reused = end;
            }
        }
        reusedPositions.add(reused);
    }

    private Map<String, ByteBuffer> checkedInputs(ModelInferRequest request) {
        require(request.getModelName().equals(TrtllmContract.MODEL_NAME), "unknown model " + request.getModelName());
        require(request.getRawInputContentsCount() == request.getInputsCount(), "one raw content per input expected");
        Map<String, ByteBuffer> inputs = new HashMap<>();
        for (int i = 0; i < request.getInputsCount(); i++) {
            ModelInferRequest.InferInputTensor input = request.getInputs(i);
            TrtllmTensor declared = TrtllmContract.input(input.getName())
                    .orElseThrow(() -> new IllegalArgumentException("unexpected input " + input.getName()));
            String datatype = declared == TrtllmContract.PROMPT_EMBEDDING_TABLE ? tableDatatype : declared.datatype();
            require(input.getDatatype().equals(datatype), input.getName() + " is " + input.getDatatype() + ", expected " + datatype);
            List<Long> shape = input.getShapeList();
            require(shape.size() == declared.dims().size() + 1 && shape.getFirst() == 1,
                    input.getName() + " has shape " + shape + ", expected [1] + " + declared.dims());
            long elements = 1;
            for (int d = 0; d < declared.dims().size(); d++) {
                int dim = declared.dims().get(d);
                require(dim < 0 || shape.get(d + 1) == dim, input.getName() + " has shape " + shape + ", expected [1] + " + declared.dims());
                elements *= shape.get(d + 1);
            }
            ByteString raw = request.getRawInputContents(i);
            require(raw.size() == elements * bytes(datatype), input.getName() + " carries " + raw.size() + " bytes for " + elements
                    + " " + datatype + " values");
            inputs.put(input.getName(), raw.asReadOnlyByteBuffer().slice().order(ByteOrder.LITTLE_ENDIAN));
        }
        for (TrtllmTensor tensor : TrtllmContract.INPUTS) {
            // Osprey sends every input it declares; the backend itself needs only the required ones.
            require(inputs.containsKey(tensor.name()), "missing input " + tensor.name());
        }
        return inputs;
    }

    private static SamplingSettings sampling(Map<String, ByteBuffer> inputs) {
        int topK = ints(inputs.get(TrtllmContract.RUNTIME_TOP_K.name()))[0];
        if (topK == 1) {
            return SamplingSettings.greedy();
        }
        return new SamplingSettings(inputs.get(TrtllmContract.TEMPERATURE.name()).getFloat(0), topK,
                inputs.get(TrtllmContract.RUNTIME_TOP_P.name()).getFloat(0), longs(inputs.get(TrtllmContract.SEED.name()))[0]);
    }

    private static ModelStreamInferResponse response(ModelInferRequest request, int id) {
        ByteBuffer ids = ByteBuffer.allocate(Integer.BYTES).order(ByteOrder.LITTLE_ENDIAN).putInt(0, id);
        ByteBuffer length = ByteBuffer.allocate(Integer.BYTES).order(ByteOrder.LITTLE_ENDIAN).putInt(0, 1);
        return ModelStreamInferResponse.newBuilder().setInferResponse(ModelInferResponse.newBuilder()
                .setModelName(TrtllmContract.MODEL_NAME).setId(request.getId())
                .addOutputs(output(TrtllmContract.OUTPUT_IDS, 1, 1, 1))
                .addOutputs(output(TrtllmContract.SEQUENCE_LENGTH, 1, 1))
                .addRawOutputContents(ByteString.copyFrom(ids.array()))
                .addRawOutputContents(ByteString.copyFrom(length.array()))).build();
    }

    private static ModelInferResponse.InferOutputTensor output(TrtllmTensor tensor, long... shape) {
        ModelInferResponse.InferOutputTensor.Builder output = ModelInferResponse.InferOutputTensor.newBuilder()
                .setName(tensor.name()).setDatatype(tensor.datatype());
        Arrays.stream(shape).forEach(output::addShape);
        return output.build();
    }

    private static ModelMetadataResponse.TensorMetadata metadata(TrtllmTensor tensor, String datatype) {
        ModelMetadataResponse.TensorMetadata.Builder metadata = ModelMetadataResponse.TensorMetadata.newBuilder()
                .setName(tensor.name()).setDatatype(datatype).addShape(-1);
        tensor.dims().forEach(d -> metadata.addShape(d));
        return metadata.build();
    }

    private void pause() {
        if (delayMillis > 0) {
            try {
                Thread.sleep(delayMillis);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    private static void send(ServerCallStreamObserver<ModelStreamInferResponse> call, ModelStreamInferResponse response) {
        // Several requests of one stream answer from engine threads; a stream takes one message at a time.
        synchronized (call) {
            if (!call.isCancelled()) {
                call.onNext(response);
            }
        }
    }

    private float[] tableFloats(ByteBuffer raw) {
        if (tableDatatype.equals("FP32")) {
            float[] values = new float[raw.remaining() / Float.BYTES];
            raw.asFloatBuffer().get(values);
            return values;
        }
        float[] values = new float[raw.remaining() / Short.BYTES];
        for (int i = 0; i < values.length; i++) {
            short half = raw.getShort(i * Short.BYTES);
            values[i] = tableDatatype.equals("FP16") ? Floats.f16ToFloat(half) : Floats.bf16ToFloat(half);
        }
        return values;
    }

    private static int bytes(String datatype) {
        return switch (datatype) {
            case "BOOL" -> 1;
            case "FP16", "BF16" -> 2;
            case "INT32", "FP32" -> 4;
            case "UINT64" -> 8;
            default -> throw new IllegalArgumentException("unsupported data type " + datatype);
        };
    }

    private static int[] ints(ByteBuffer raw) {
        int[] values = new int[raw.remaining() / Integer.BYTES];
        raw.duplicate().order(ByteOrder.LITTLE_ENDIAN).asIntBuffer().get(values);
        return values;
    }

    private static long[] longs(ByteBuffer raw) {
        long[] values = new long[raw.remaining() / Long.BYTES];
        raw.duplicate().order(ByteOrder.LITTLE_ENDIAN).asLongBuffer().get(values);
        return values;
    }

    private static boolean bool(ByteBuffer raw) {
        return raw.get(0) != 0;
    }

    private static void require(boolean condition, String message) {
        if (!condition) {
            throw new IllegalArgumentException(message);
        }
    }

    @Override
    public void close() {
        server.shutdownNow();
        engine.shutdownNow();
        decoder.close();
        embeddingFile.close();
    }
}
