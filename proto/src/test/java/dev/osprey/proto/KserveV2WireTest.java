package dev.osprey.proto;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import dev.osprey.kserve.v2.GRPCInferenceServiceGrpc;
import dev.osprey.kserve.v2.InferParameter;
import dev.osprey.kserve.v2.ModelInferRequest;
import dev.osprey.kserve.v2.ModelInferResponse;
import dev.osprey.kserve.v2.ModelReadyRequest;
import java.util.HexFormat;
import org.junit.jupiter.api.Test;

class KserveV2WireTest {

    @Test
    void modelInferRequestRoundTripsWithRawContents() throws Exception {
        ModelInferRequest request = ModelInferRequest.newBuilder()
                .setModelName("osprey_vision")
                .setModelVersion("1")
                .setId("req-7")
                .putParameters("priority", InferParameter.newBuilder().setInt64Param(3).build())
                .addInputs(ModelInferRequest.InferInputTensor.newBuilder()
                        .setName("pixel_values").setDatatype("FP32")
                        .addShape(1).addShape(3).addShape(512).addShape(512))
                .addOutputs(ModelInferRequest.InferRequestedOutputTensor.newBuilder().setName("res2"))
                .addRawInputContents(ByteString.copyFrom(new byte[] {1, 2, 3, 4}))
                .build();

        ModelInferRequest parsed = ModelInferRequest.parseFrom(request.toByteArray());

        assertThat(parsed).isEqualTo(request);
        assertThat(parsed.getInputs(0).getShapeList()).containsExactly(1L, 3L, 512L, 512L);
    }

    @Test
    void fieldNumbersMatchTheProtocol() {
        // Hand-encoded from the protocol's field numbers: model_name = 1, model_version = 2,
        // raw_input_contents = 7 (request); raw_output_contents = 6 (response); ModelReady name = 1, version = 2.
        ModelInferRequest request = ModelInferRequest.newBuilder()
                .setModelName("m").setModelVersion("2")
                .addRawInputContents(ByteString.copyFrom(new byte[] {9}))
                .build();
        assertThat(HexFormat.of().formatHex(request.toByteArray())).isEqualTo("0a016d1201323a0109");

        ModelInferResponse response = ModelInferResponse.newBuilder()
                .addRawOutputContents(ByteString.copyFrom(new byte[] {5}))
                .build();
        assertThat(HexFormat.of().formatHex(response.toByteArray())).isEqualTo("320105");

        ModelReadyRequest ready = ModelReadyRequest.newBuilder().setName("a").setVersion("b").build();
        assertThat(HexFormat.of().formatHex(ready.toByteArray())).isEqualTo("0a01611201" + "62");
    }

    @Test
    void serviceAndMethodNamesMatchTriton() {
        assertThat(GRPCInferenceServiceGrpc.SERVICE_NAME).isEqualTo("inference.GRPCInferenceService");
        assertThat(GRPCInferenceServiceGrpc.getModelInferMethod().getFullMethodName())
                .isEqualTo("inference.GRPCInferenceService/ModelInfer");
        assertThat(GRPCInferenceServiceGrpc.getServerReadyMethod().getFullMethodName())
                .isEqualTo("inference.GRPCInferenceService/ServerReady");
    }
}
