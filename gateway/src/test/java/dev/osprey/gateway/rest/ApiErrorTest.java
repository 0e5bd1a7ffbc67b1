package dev.osprey.gateway.rest;

import static org.assertj.core.api.Assertions.assertThat;

import io.grpc.Status;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.springframework.core.io.buffer.DataBufferLimitException;

class ApiErrorTest {

    @ParameterizedTest
    @CsvSource({"INVALID_ARGUMENT, 400", "UNAUTHENTICATED, 401", "NOT_FOUND, 404", "RESOURCE_EXHAUSTED, 429", "UNAVAILABLE, 503",
        "CANCELLED, 503", "DEADLINE_EXCEEDED, 504", "INTERNAL, 500"})
    void backendStatusesMapToHttpStatusesKeepingTheirMessage(Status.Code code, int http) {
        ApiError error = ApiError.of(Status.fromCode(code).withDescription("what went wrong").asRuntimeException());
        assertThat(error.status().value()).isEqualTo(http);
        assertThat(error.code()).isEqualTo(code.name().toLowerCase(java.util.Locale.ROOT));
        assertThat(error.message()).endsWith("what went wrong");
    }

    @Test
    void aDeadlineSaysSoAndABodyOverTheCodecLimitIs413() {
        assertThat(ApiError.of(Status.DEADLINE_EXCEEDED.withDescription("deadline exceeded after 300s").asRuntimeException()).message())
                .isEqualTo("the request took longer than its deadline: deadline exceeded after 300s");
        assertThat(ApiError.of(new DataBufferLimitException("Exceeded limit on max bytes to buffer : 1024")).status().value()).isEqualTo(413);
    }

    @Test
    void bugsAreInternalWithoutDetails() {
        ApiError error = ApiError.of(new IllegalStateException("secret"));
        assertThat(error.status().value()).isEqualTo(500);
        assertThat(error.message()).isEqualTo("internal error");
    }
}
