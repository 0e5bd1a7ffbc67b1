package dev.osprey.llm.trtllm;

import dev.osprey.kserve.v2.GRPCInferenceServiceGrpc;
import dev.osprey.kserve.v2.ModelInferRequest;
import dev.osprey.kserve.v2.ModelStreamInferResponse;
import io.grpc.stub.ClientCallStreamObserver;
import io.grpc.stub.ClientResponseObserver;
import io.grpc.stub.StreamObserver;
import java.util.concurrent.BlockingQueue;

/**
 * One answer's ModelStreamInfer call: sends its one request and half-closes, then hands what arrives
 * (ids, the end, a failure) to the answering thread through {@code arrivals}; gRPC threads call in
 * here, the answering thread only reads the queue and may {@link #cancel}. Opened in the caller's gRPC
 * Context, so the Generate call's deadline and cancellation reach Triton too.
 */
final class TrtllmStream implements ClientResponseObserver<ModelInferRequest, ModelStreamInferResponse> {

    /**
     * What arrived for sequence {@code sequence}: ids, or the end ({@code done}), or a failure.
     *
     * @param ids          the ids of one response (empty for the end or a failure)
     * @param done         the engine has sent the request's last response
     * @param errorMessage Triton's error for the request (the stream's own error is {@code failure})
     * @param failure      the stream failed
     */
    record Arrival(int sequence, int[] ids, boolean done, String errorMessage, Throwable failure) {
    }

    private final int sequence;
    private final BlockingQueue<Arrival> arrivals;
    private volatile ClientCallStreamObserver<ModelInferRequest> call;
    private volatile boolean over;

    private TrtllmStream(int sequence, BlockingQueue<Arrival> arrivals) {
        this.sequence = sequence;
        this.arrivals = arrivals;
    }

    /** Opens the stream and sends {@code request} as sequence {@code sequence} of its answer. */
    static TrtllmStream open(GRPCInferenceServiceGrpc.GRPCInferenceServiceStub stub, ModelInferRequest request, int sequence,
            BlockingQueue<Arrival> arrivals) {
        TrtllmStream stream = new TrtllmStream(sequence, arrivals);
        StreamObserver<ModelInferRequest> requests = stub.modelStreamInfer(stream);
        requests.onNext(request);
        requests.onCompleted();
        return stream;
    }

    @Override
    public void beforeStart(ClientCallStreamObserver<ModelInferRequest> requestStream) {
        this.call = requestStream;
    }

    @Override
    public void onNext(ModelStreamInferResponse response) {
        if (!response.getErrorMessage().isEmpty()) {
            arrivals.add(new Arrival(sequence, new int[0], false, response.getErrorMessage(), null));
            return;
        }
        int[] ids = TrtllmRequests.outputIds(response.getInferResponse());
        boolean last = TrtllmRequests.last(response.getInferResponse());
        if (ids.length > 0 || last) {
            arrivals.add(new Arrival(sequence, ids, last, null, null));
        }
    }

    @Override
    public void onError(Throwable failure) {
        over = true;
        arrivals.add(new Arrival(sequence, new int[0], false, null, failure));
    }

    @Override
    public void onCompleted() {
        over = true;
        arrivals.add(new Arrival(sequence, new int[0], true, null, null));
    }

    /** Ends the request on Triton (the engine frees its sequence), unless the stream is over already. */
    void cancel(String why) {
        if (!over && call != null) {
            call.cancel(why, null);
        }
    }
}
