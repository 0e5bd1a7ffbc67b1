package dev.osprey.service;

import static org.assertj.core.api.Assertions.assertThat;

import dev.osprey.model.error.OspreyException;
import dev.osprey.model.error.Reason;
import io.grpc.Status;
import io.grpc.StatusException;
import io.grpc.StatusRuntimeException;
import java.nio.channels.ClosedChannelException;
import java.util.List;
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
    void aConnectionClosedUnderTheCallIsUnavailableButAPeersUnknownIsNot() {
        // What gRPC's Netty transport reports for a write to a backend killed mid-call.
        StatusRuntimeException closed = Status.UNKNOWN.withDescription("channel closed").withCause(new ClosedChannelException()).asRuntimeException();
        assertThat(GrpcErrors.fromStatus(closed).reason()).isEqualTo(ErrorReason.UNAVAILABLE);
        assertThat(GrpcErrors.fromStatus(Status.UNKNOWN.withDescription("channel closed").asRuntimeException()).reason())
                .isEqualTo(ErrorReason.INTERNAL);
        assertThat(GrpcErrors.fromStatus(Status.UNKNOWN.withCause(new IllegalStateException()).asRuntimeException()).reason())
                .isEqualTo(ErrorReason.INTERNAL);
    }

    @Test
    void bugsBecomeInternalWithoutTheirMessage() {
        StatusRuntimeException status = GrpcErrors.toStatus(new NullPointerException("secret detail"));
        assertThat(status.getStatus().getCode()).isEqualTo(Status.Code.INTERNAL);
        assertThat(status.getStatus().getDescription()).isEqualTo("internal error");
        assertThat(GrpcErrors.fromStatus(status).reason()).isEqualTo(ErrorReason.INTERNAL);
    }

    @Test
    void statusesPassThroughEachWithTrailersOfItsOwn() {
        StatusRuntimeException peer = GrpcErrors.toStatus(ServiceException.unavailable("encoder-service", null));
        // One failure ending two calls: each writes (and so consumes) the trailers it was given.
        StatusRuntimeException first = GrpcErrors.toStatus(peer);
        StatusRuntimeException second = GrpcErrors.toStatus(new StatusException(peer.getStatus(), peer.getTrailers()));
        for (StatusRuntimeException passed : List.of(first, second)) {
            assertThat(passed.getStatus()).isSameAs(peer.getStatus());
            assertThat(passed.getTrailers()).isNotSameAs(peer.getTrailers());
            assertThat(GrpcErrors.fromStatus(passed).service()).contains("encoder-service");
        }
        assertThat(first.getTrailers()).isNotSameAs(second.getTrailers());
        assertThat(GrpcErrors.toStatus(Status.RESOURCE_EXHAUSTED.withDescription("queue full").asRuntimeException()).getStatus())
                .extracting(Status::getCode, Status::getDescription).containsExactly(Status.Code.RESOURCE_EXHAUSTED, "queue full");
    }
}
