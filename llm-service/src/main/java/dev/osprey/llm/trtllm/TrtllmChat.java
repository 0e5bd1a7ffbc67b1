package dev.osprey.llm.trtllm;

import dev.osprey.kserve.v2.GRPCInferenceServiceGrpc;
import dev.osprey.kserve.v2.ModelMetadataRequest;
import dev.osprey.kserve.v2.ModelMetadataResponse;
import dev.osprey.kserve.v2.ModelReadyRequest;
import dev.osprey.kserve.v2.ServerReadyRequest;
import dev.osprey.model.bundle.ModelBundle;
import dev.osprey.model.decode.Cancellation;
import dev.osprey.model.error.OspreyException;
import dev.osprey.model.error.Reason;
import dev.osprey.model.generate.FinishReason;
import dev.osprey.model.generate.Generation;
import dev.osprey.model.generate.GenerationRequest;
import dev.osprey.model.generate.StreamedGeneration;
import dev.osprey.model.pipeline.Answer;
import dev.osprey.model.pipeline.ChatModel;
import dev.osprey.model.pipeline.ChatPrompts;
import dev.osprey.model.pipeline.Question;
import dev.osprey.model.pipeline.RegionChat;
import dev.osprey.model.region.RegionTokens;
import dev.osprey.model.text.OspreyTokenizer;
import dev.osprey.model.text.PromptEncoder;
import dev.osprey.model.trtllm.PromptTable;
import dev.osprey.model.trtllm.TrtllmContract;
import dev.osprey.model.trtllm.TrtllmTensor;
import dev.osprey.service.ErrorReason;
import dev.osprey.service.ServiceException;
import io.grpc.Grpc;
import io.grpc.InsecureChannelCredentials;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import java.util.stream.Collectors;

/**
 * Osprey's language model decoding on a TensorRT-LLM engine behind Triton: the prompts, template,
 * tokenizer, image and region tokens and the answers' text and stop conditions are Osprey's (as in
 * {@link RegionChat}); each prompt goes to the {@code tensorrt_llm} model as one decoupled
 * ModelStreamInfer request whose prompt table carries the image and region tokens
 * ({@link PromptTable}), and the engine's ids stream back into a {@link StreamedGeneration}.
 * Triton batches the requests of all calls in flight and, with KV-cache reuse, keeps each image's
 * prefix; this process keeps nothing per image. Thread-safe.
 */
public final class TrtllmChat implements ChatModel {

    // How often the answering thread looks at the cancellation while it waits for ids.
    private static final long POLL_MILLIS = 20;
    // Readiness is asked often (health checks): a server that does not answer within this is not ready.
    private static final Duration READY_DEADLINE = Duration.ofSeconds(5);

    /**
     * Where the engine is served.
     *
     * @param address  host:port of Triton's gRPC endpoint
     * @param model    the model's name in the repository
     * @param deadline bound on the model-metadata call (a Generate call's own deadline bounds its streams)
     */
    public record Triton(String address, String model, Duration deadline) {
    }

    private final Triton triton;
    private final ManagedChannel channel;
    private final OspreyTokenizer tokenizer;
    private final ChatPrompts prompts;
    private final int vocab;
    private final int imageTokens;
    private final int hidden;
    // The engine's type, read from the model's metadata at the first question.
    private volatile String tableDatatype;

    /** A chat over the tokenizer and sizes of {@code bundle}, decoding on the engine at {@code triton}. */
    public TrtllmChat(ModelBundle bundle, Triton triton) {
        this.triton = triton;
        this.tokenizer = OspreyTokenizer.load(bundle.tokenizerDir());
        this.imageTokens = bundle.manifest().image().tokens();
        this.hidden = bundle.manifest().llm().hidden();
        this.vocab = bundle.manifest().llm().vocab();
        this.prompts = new ChatPrompts(new PromptEncoder(tokenizer), imageTokens, hidden, bundle.manifest().llm().maxContext());
        this.channel = Grpc.newChannelBuilder(triton.address(), InsecureChannelCredentials.create()).build();
    }

    /** Where the engine is served. */
    public Triton triton() {
        return triton;
    }

    /**
     * Whether Triton answers ServerReady and ModelReady for the engine's model; false when it cannot be
     * reached within a few seconds. This process loads nothing else, so it is ready exactly then.
     */
    public boolean ready() {
        Duration limit = triton.deadline().compareTo(READY_DEADLINE) < 0 ? triton.deadline() : READY_DEADLINE;
        try {
            GRPCInferenceServiceGrpc.GRPCInferenceServiceBlockingStub stub = GRPCInferenceServiceGrpc.newBlockingStub(channel)
                    .withDeadlineAfter(limit.toNanos(), TimeUnit.NANOSECONDS);
            return stub.serverReady(ServerReadyRequest.getDefaultInstance()).getReady()
                    && stub.modelReady(ModelReadyRequest.newBuilder().setName(triton.model()).build()).getReady();
        } catch (StatusRuntimeException e) {
            return false;
        }
    }

    /** The tokenizer of the bundle (e.g. to decode ids). */
    public OspreyTokenizer tokenizer() {
        return tokenizer;
    }

    @Override
    public RegionChat.Prompts prompts(Question question, int regionCount) {
        return prompts.prompts(question, regionCount);
    }

    @Override
    public void requireContext(RegionChat.Prompts encoded, int maxNewTokens) {
        prompts.requireContext(encoded, maxNewTokens);
    }

    @Override
    public int imageTokens() {
        return imageTokens;
    }

    @Override
    public int hidden() {
        return hidden;
    }

    @Override
    public List<Answer> answer(String imageId, Supplier<float[]> imageTokenSupplier, RegionTokens regions, RegionChat.Prompts encoded,
            GenerationRequest request) {
        prompts.requireRegions(regions, encoded);
        requireContext(encoded, request.maxNewTokens());
        Cancellation cancellation = request.cancellation();
        int sequences = encoded.ids().size();
        long start = System.nanoTime();
        StreamedGeneration generation = new StreamedGeneration(sequences, request, encoded.length(), start, tokenizer,
                tokenizer.specialIds().eos());
        if (cancellation.cancelled()) {
            return encoded.answers(generation.results(FinishReason.CANCELLED));
        }
        // Triton queues and prefills on its side: from here to the first id counts as prefill.
        request.listener().onPrefillStart();
        float[] image = imageTokenSupplier.get();
        prompts.requireImageTokens(image);
        String datatype = tableDatatype();
        BlockingQueue<TrtllmStream.Arrival> arrivals = new LinkedBlockingQueue<>();
        GRPCInferenceServiceGrpc.GRPCInferenceServiceStub stub = GRPCInferenceServiceGrpc.newStub(channel);
        List<TrtllmStream> streams = new ArrayList<>(sequences);
        try {
            for (int b = 0; b < sequences; b++) {
                PromptTable table = PromptTable.of(encoded.ids().get(b), vocab, imageId, image, regions);
                streams.add(TrtllmStream.open(stub, TrtllmRequests.request(triton.model(), imageId + "/" + b, table, datatype, request,
                        tokenizer.specialIds().eos(), tokenizer.specialIds().unk()), b, arrivals));
            }
            return encoded.answers(receive(generation, arrivals, streams, cancellation));
        } finally {
            // Whatever ended the answer (done, a stop string, a cancel, a failure), Triton stops generating for it.
            streams.forEach(stream -> stream.cancel("the answer is complete"));
        }
    }

    // Feeds the engine's ids to the generation until every sequence has ended; a sequence that Osprey
    // ends first (a stop string) has its request ended on Triton at once.
    private List<Generation> receive(StreamedGeneration generation, BlockingQueue<TrtllmStream.Arrival> arrivals,
            List<TrtllmStream> streams, Cancellation cancellation) {
        try {
            while (!generation.ended()) {
                TrtllmStream.Arrival arrival = arrivals.poll(POLL_MILLIS, TimeUnit.MILLISECONDS);
                if (cancellation.cancelled()) {
                    return generation.results(FinishReason.CANCELLED);
                }
                if (arrival == null) {
                    continue;
                }
                int sequence = arrival.sequence();
                if (arrival.failure() != null || arrival.errorMessage() != null) {
                    if (generation.ended(sequence)) {
                        // The stream this thread cancelled once its answer had ended.
                        continue;
                    }
                    throw failure(arrival);
                }
                boolean ended = false;
                for (int id : arrival.ids()) {
                    ended = generation.accept(sequence, id);
                }
                if (ended) {
                    streams.get(sequence).cancel("the answer ended (stop string or token limit)");
                } else if (arrival.done()) {
                    // The engine ends on end_id without sending it; the answer records it as the local generator does.
                    generation.accept(sequence, tokenizer.specialIds().eos());
                }
            }
            return generation.results(FinishReason.STOP);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new OspreyException(Reason.CANCELLED, "interrupted while waiting for Triton at " + triton.address(), e);
        }
    }

    private RuntimeException failure(TrtllmStream.Arrival arrival) {
        String where = "Triton at " + triton.address() + ", model " + triton.model();
        if (arrival.errorMessage() != null) {
            return new OspreyException(Reason.INTERNAL, where + ", refused the request: " + arrival.errorMessage());
        }
        Status status = Status.fromThrowable(arrival.failure());
        String said = status.getCode() + (status.getDescription() == null ? "" : ": " + status.getDescription());
        return switch (status.getCode()) {
            case UNAVAILABLE -> new OspreyException(Reason.UNAVAILABLE, where + ", is unavailable (" + said + "): is tritonserver running"
                    + " there with the engine loaded?", arrival.failure());
            case DEADLINE_EXCEEDED -> new ServiceException(ErrorReason.DEADLINE_EXCEEDED, where + ", did not finish the answer before"
                    + " the call's deadline", arrival.failure());
            default -> new OspreyException(Reason.INTERNAL, where + ", failed the stream: " + said, arrival.failure());
        };
    }

    /**
     * The prompt table's type on this engine, from the model's metadata, after checking that the
     * model takes every input Osprey sends with the contract's type.
     */
    private String tableDatatype() {
        String known = tableDatatype;
        if (known != null) {
            return known;
        }
        String where = "Triton at " + triton.address() + ", model " + triton.model();
        ModelMetadataResponse metadata;
        try {
            metadata = GRPCInferenceServiceGrpc.newBlockingStub(channel)
                    .withDeadlineAfter(triton.deadline().toNanos(), TimeUnit.NANOSECONDS)
                    .modelMetadata(ModelMetadataRequest.newBuilder().setName(triton.model()).build());
        } catch (StatusRuntimeException e) {
            throw new OspreyException(Reason.UNAVAILABLE, where + ", gave no model metadata (" + e.getStatus().getCode()
                    + "): is tritonserver running there with the model loaded?", e);
        }
        Map<String, String> served = metadata.getInputsList().stream()
                .collect(Collectors.toMap(ModelMetadataResponse.TensorMetadata::getName, ModelMetadataResponse.TensorMetadata::getDatatype));
        for (TrtllmTensor input : TrtllmContract.INPUTS) {
            String type = served.get(input.name());
            if (type == null || (input != TrtllmContract.PROMPT_EMBEDDING_TABLE && !type.equals(input.datatype()))) {
                throw new OspreyException(Reason.UNAVAILABLE, where + ", does not take input " + input.name() + " as " + input.datatype()
                        + " (it serves " + (type == null ? "no such input" : type) + "); serve the repository that"
                        + " `osprey convert --target triton-trtllm` writes");
            }
        }
        tableDatatype = served.get(TrtllmContract.PROMPT_EMBEDDING_TABLE.name());
        return tableDatatype;
    }

    /** Triton's KV-cache reuse keeps image prefixes; there is nothing to compute here ahead of a question. */
    @Override
    public boolean warm(String imageId, Supplier<float[]> imageTokenSupplier, Cancellation cancellation) {
        return false;
    }

    /** Nothing is kept here per image; Triton's cached blocks of a deleted image age out of its LRU. */
    @Override
    public int forget(String imageId) {
        return 0;
    }

    @Override
    public void close() {
        channel.shutdownNow();
        tokenizer.close();
    }
}
