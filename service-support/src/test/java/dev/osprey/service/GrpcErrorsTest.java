package dev.osprey.service;

import static org.assertj.core.api.Assertions.assertThat;

import dev.osprey.model.error.OspreyException;
import dev.osprey.model.error.Reason;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.util.concurrent.CompletionException;
import org.junit.jupiter.api.Test;

class GrpcErrorsTest {

    @Test
    void ourReasonsMapToStatusesWithTheirMessages() {
        assertThat(GrpcErrors.toStatus(OspreyException.badInput("region 2: empty mask")).getStatus())
                .extracting(Status::getCode, Status::getDescription).containsExactly(Status.Code.INVALID_ARGUMENT, "region 2: empty mask");
        assertThat(GrpcErrors.toStatus(new OspreyException(Reason.NOT_FOUND, "image x")).getStatus().getCode()).isEqualTo(Status.Code.NOT_FOUND);
        assertThat(GrpcErrors.toStatus(new OspreyException(Reason.UNAVAILABLE, "down")).getStatus().getCode()).isEqualTo(Status.Code.UNAVAILABLE);
        assertThat(GrpcErrors.toStatus(new CompletionException(OspreyException.badInput("bad"))).getStatus().getCode())
                .isEqualTo(Status.Code.INVALID_ARGUMENT);
        assertThat(GrpcErrors.toStatus(new ServiceException(ErrorReason.RESOURCE_EXHAUSTED, "queue full")).getStatus())
                .extracting(Status::getCode, Status::getDescription).containsExactly(Status.Code.RESOURCE_EXHAUSTED, "queue full");
    }

    @Test
    void everyStatusCarriesItsReasonAndTheServiceItNames() {
        ServiceException read = GrpcErrors.fromStatus(GrpcErrors.toStatus(ServiceException.unavailable("encoder-service", null)));
        assertThat(read.reason()).isEqualTo(ErrorReason.UNAVAILABLE);
        assertThat(read.service()).contains("encoder-service");
        assertThat(read.getMessage()).isEqualTo("encoder-service is unavailable");

        read = GrpcErrors.fromStatus(GrpcErrors.toStatus(new OspreyException(Reason.BAD_BUNDLE, "bundle.json is missing")));
        assertThat(read.reason()).isEqualTo(ErrorReason.INTERNAL);
        assertThat(read.service()).isEmpty();
    }

    @Test
    void aStatusWithoutOurDetailsIsClassifiedByItsCodeNeverByItsText() {
        ServiceException read = GrpcErrors.fromStatus(Status.UNAVAILABLE.withDescription("llm-service at 10.0.0.1:9093 is unavailable")
                .asRuntimeException());
        assertThat(read.reason()).isEqualTo(ErrorReason.UNAVAILABLE);
        assertThat(read.service()).isEmpty();
        assertThat(GrpcErrors.fromStatus(Status.OUT_OF_RANGE.asRuntimeException()).reason()).isEqualTo(ErrorReason.BAD_INPUT);
        assertThat(GrpcErrors.fromStatus(Status.UNIMPLEMENTED.asRuntimeException()).getMessage()).isEqualTo("unimplemented");
        assertThat(GrpcErrors.fromStatus(Status.UNIMPLEMENTED.asRuntimeException()).reason()).isEqualTo(ErrorReason.NOT_IMPLEMENTED);
        assertThat(ErrorReason.NOT_IMPLEMENTED.httpStatus()).isEqualTo(501);
    }

    @Test
    void bugsBecomeInternalWithoutTheirMessage() {
        StatusRuntimeException status = GrpcErrors.toStatus(new NullPointerException("secret detail"));
        assertThat(status.getStatus().getCode()).isEqualTo(Status.Code.INTERNAL);
        assertThat(status.getStatus().getDescription()).isEqualTo("internal error");
        assertThat(GrpcErrors.fromStatus(status).reason()).isEqualTo(ErrorReason.INTERNAL);
    }

    @Test
    void statusesPassThrough() {
        var e = Status.RESOURCE_EXHAUSTED.withDescription("queue full").asRuntimeException();
        assertThat(GrpcErrors.toStatus(e)).isSameAs(e);
    }
}
