package dev.osprey.gateway.rest;

import static org.assertj.core.api.Assertions.assertThat;

import dev.osprey.model.error.OspreyException;
import dev.osprey.model.error.Reason;
import dev.osprey.service.ErrorReason;
import dev.osprey.service.ServiceException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.springframework.core.io.buffer.DataBufferLimitException;

class ApiErrorTest {

    @ParameterizedTest
    @CsvSource({"BAD_INPUT, invalid_argument, 400", "UNAUTHENTICATED, unauthenticated, 401", "NOT_FOUND, not_found, 404",
        "RESOURCE_EXHAUSTED, resource_exhausted, 429", "UNAVAILABLE, unavailable, 503", "CANCELLED, cancelled, 503",
        "DEADLINE_EXCEEDED, deadline_exceeded, 504", "INTERNAL, internal, 500"})
    void reasonsMapToHttpStatusesKeepingTheirMessage(ErrorReason reason, String code, int http) {
        ApiError error = ApiError.of(new ServiceException(reason, "what went wrong"));
        assertThat(error.status().value()).isEqualTo(http);
        assertThat(error.code()).isEqualTo(code);
        assertThat(error.message()).endsWith("what went wrong");
    }

    @Test
    void modelErrorsMapByTheirReason() {
        ApiError error = ApiError.of(new OspreyException(Reason.NOT_FOUND, "image x is not known"));
        assertThat(error.status().value()).isEqualTo(404);
        assertThat(error.code()).isEqualTo("not_found");
        assertThat(ApiError.of(OspreyException.badInput("regions[0].box: expected 4 numbers")).code()).isEqualTo("invalid_argument");
    }

    @Test
    void aDeadlineSaysSoAndABodyOverTheCodecLimitIs413() {
        assertThat(ApiError.of(new ServiceException(ErrorReason.DEADLINE_EXCEEDED, "deadline exceeded after 300s")).message())
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
