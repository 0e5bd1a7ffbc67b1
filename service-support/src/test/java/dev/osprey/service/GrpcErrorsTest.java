package dev.osprey.service;

import static org.assertj.core.api.Assertions.assertThat;

import dev.osprey.model.error.OspreyException;
import dev.osprey.model.error.Reason;
import io.grpc.Status;
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
    }

    @Test
    void bugsBecomeInternalWithoutTheirMessage() {
        Status status = GrpcErrors.toStatus(new NullPointerException("secret detail")).getStatus();
        assertThat(status.getCode()).isEqualTo(Status.Code.INTERNAL);
        assertThat(status.getDescription()).isEqualTo("internal error");
    }

    @Test
    void statusesPassThrough() {
        var e = Status.RESOURCE_EXHAUSTED.withDescription("queue full").asRuntimeException();
        assertThat(GrpcErrors.toStatus(e)).isSameAs(e);
    }
}
