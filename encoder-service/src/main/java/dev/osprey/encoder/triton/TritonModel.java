package dev.osprey.encoder.triton;

import dev.osprey.kserve.v2.ModelInferRequest;
import dev.osprey.kserve.v2.ModelInferResponse;
import dev.osprey.model.error.OspreyException;
import dev.osprey.model.error.Reason;

/**
 * One model of a Triton server, reached through our KServe v2 client: what the vision tower and SAM's
 * image encoder on Triton share (their requests, readiness, ownership of the client).
 */
public abstract class TritonModel implements AutoCloseable {

    /** The client; each model owns its own. */
    protected final KserveClient client;
    /** The model's name in the repository. */
    protected final String model;
    /** Its version; empty: the server's choice. */
    protected final String version;

    /** Takes ownership of {@code client}. */
    protected TritonModel(KserveClient client, String model, String version) {
        this.client = client;
        this.model = model;
        this.version = version;
    }

    /** A ModelInfer request for this model and version. */
    protected ModelInferRequest.Builder request() {
        return ModelInferRequest.newBuilder().setModelName(model).setModelVersion(version);
    }

    /** The FP32 outputs of this model's answer for a batch of {@code batch}; a malformed answer is INTERNAL, naming server and model. */
    protected BatchOutputs outputsOf(ModelInferResponse response, int batch) {
        return new BatchOutputs(response, batch, what -> new OspreyException(Reason.INTERNAL, "Triton at " + client.address() + ", model "
                + model + ": " + what + "; is the model repository the one `osprey convert` wrote?"));
    }

    /** "triton", for logs and metric tags. */
    public String name() {
        return "triton";
    }

    /** Whether Triton answers ServerReady and ModelReady for this model with true. */
    public boolean ready() {
        return client.ready(model, version);
    }

    /** The client, for its address. */
    public KserveClient client() {
        return client;
    }

    @Override
    public void close() {
        client.close();
    }
}
