package dev.osprey.gateway.rest;

import static dev.osprey.gateway.rest.StandInFlows.IMAGE;
import static dev.osprey.gateway.rest.StandInFlows.IMAGE_ID;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.osprey.gateway.access.Tenant;
import dev.osprey.gateway.flow.RegionAsks;
import dev.osprey.gateway.flow.StandInBackends;
import io.grpc.Status;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.webflux.test.autoconfigure.WebFluxTest;
import org.springframework.context.annotation.Import;
import org.springframework.core.ParameterizedTypeReference;
import org.springframework.core.io.ByteArrayResource;
import org.springframework.http.HttpEntity;
import org.springframework.http.MediaType;
import org.springframework.http.client.MultipartBodyBuilder;
import org.springframework.http.codec.ServerSentEvent;
import org.springframework.test.web.reactive.server.WebTestClient;
import org.springframework.util.MultiValueMap;
import org.springframework.web.reactive.function.BodyInserters;
import reactor.core.publisher.Flux;
import reactor.test.StepVerifier;

/**
 * The REST shell in a WebFlux slice: the controllers, request ids and error handler found by component
 * scanning, as the application finds them, behind an open access check, over in-process backends:
 * uploads raw and multipart, deletes, whole and streamed answers, and the errors before and after a
 * stream starts.
 */
@WebFluxTest(controllers = {ChatController.class, ImagesController.class})
@Import(StandInFlows.class)
class ChatAndImagesControllerTest {

    private static final Duration PATIENCE = Duration.ofSeconds(30);

    @Autowired
    WebTestClient client;
    @Autowired
    StandInBackends standIns;

    @BeforeEach
    void fresh() {
        standIns.reset();
    }

    @Test
    void anUploadIsNamedByItsDigestAndKeptByItsOwner() {
        client.post().uri("/v1/images").contentType(MediaType.IMAGE_PNG).bodyValue(IMAGE).exchange()
                .expectStatus().isOk()
                .expectBody().jsonPath("$.image_id").isEqualTo(IMAGE_ID).jsonPath("$.width").isEqualTo(4).jsonPath("$.height").isEqualTo(3)
                .jsonPath("$.warming").isEqualTo(true).jsonPath("$.preparing_segmentation").isEqualTo(false);

        assertThat(standIns.holds(standIns.owner(internalId()), internalId())).isTrue();
    }

    @Test
    void anUploadMayAskForItsSegmentAnythingEmbeddingAndAValueThatIsNoBooleanIs400NamingTheParameter() {
        client.post().uri("/v1/images?prepare_segmentation=true").contentType(MediaType.IMAGE_PNG).bodyValue(IMAGE).exchange()
                .expectStatus().isOk().expectBody().jsonPath("$.image_id").isEqualTo(IMAGE_ID).jsonPath("$.preparing_segmentation").isEqualTo(true);
        await().atMost(PATIENCE).until(() -> !standIns.prepared().isEmpty());
        assertThat(standIns.prepared()).singleElement().extracting(StandInBackends.Prepared::imageId).isEqualTo(internalId());

        client.post().uri("/v1/images?prepare_segmentation=maybe").contentType(MediaType.IMAGE_PNG).bodyValue(IMAGE).exchange()
                .expectStatus().isBadRequest()
                .expectBody().jsonPath("$.error.code").isEqualTo("invalid_argument")
                .jsonPath("$.error.message").isEqualTo("query parameter prepare_segmentation: 'maybe' is not a boolean");
    }

    @Test
    void anImageInTheMultipartFieldImageIsTheSameUploadAndAFormWithoutItIs400() {
        client.post().uri("/v1/images").contentType(MediaType.MULTIPART_FORM_DATA).body(BodyInserters.fromMultipartData(form("image")))
                .exchange()
                .expectStatus().isOk()
                .expectBody().jsonPath("$.image_id").isEqualTo(IMAGE_ID);

        client.post().uri("/v1/images").contentType(MediaType.MULTIPART_FORM_DATA).body(BodyInserters.fromMultipartData(form("picture")))
                .exchange()
                .expectStatus().isBadRequest()
                .expectBody().jsonPath("$.error.code").isEqualTo("invalid_argument")
                .jsonPath("$.error.message").value(String.class, message -> assertThat(message).contains("'image'"));
    }

    @Test
    void aDeletedImageIsForgottenAndDeletingItAgainIs404SayingToUploadIt() {
        upload();

        client.delete().uri("/v1/images/{id}", IMAGE_ID).exchange()
                .expectStatus().isOk()
                .expectBody().json("{\"deleted\": true}");
        client.delete().uri("/v1/images/{id}", IMAGE_ID).header(RequestIds.HEADER, "delete-2").exchange()
                .expectStatus().isNotFound()
                .expectHeader().valueEquals(RequestIds.HEADER, "delete-2")
                .expectBody().jsonPath("$.error.code").isEqualTo("not_found")
                .jsonPath("$.error.message").isEqualTo(RegionAsks.notKnown(IMAGE_ID).getMessage())
                .jsonPath("$.error.request_id").isEqualTo("delete-2");
    }

    @Test
    void aTaskIsAnsweredAsJsonWithEveryRegionsAnswerInRegionOrder() {
        upload();

        client.post().uri("/v1/chat").contentType(MediaType.APPLICATION_JSON).bodyValue("{\"image_id\": \"" + IMAGE_ID
                        + "\", \"task\": \"short\", \"regions\": [{\"box\": [0, 0, 2, 2]}, {\"box\": [1, 1, 2, 2]}]}")
                .exchange()
                .expectStatus().isOk()
                .expectHeader().contentType(MediaType.APPLICATION_JSON)
                .expectHeader().value("Server-Timing", timing -> assertThat(timing)
                        .matches("queue;dur=[0-9.]+, encode;dur=[0-9.]+, extract;dur=[0-9.]+, prefill;dur=[0-9.]+, decode;dur=[0-9.]+"))
                .expectBody()
                .jsonPath("$.text").isEqualTo("region 0")
                .jsonPath("$.finish_reason").isEqualTo("stop")
                .jsonPath("$.answers[*].index").isEqualTo(List.of(0, 1))
                .jsonPath("$.answers[1].text").isEqualTo("region 1")
                .jsonPath("$.usage.prompt_tokens").isEqualTo(11)
                .jsonPath("$.usage.total_ms").value(Double.class, total -> assertThat(total).as("the gateway's time").isLessThan(1e9))
                .jsonPath("$.usage.timings.extract_ms").value(Double.class, extract -> assertThat(extract).isPositive())
                .jsonPath("$.usage.timings.prefill_ms").isEqualTo(0.0);
    }


    @Test
    void aStreamedQuestionSendsItsPiecesThenItsEnd() {
        upload();

        Flux<ServerSentEvent<String>> events = client.post().uri("/v1/chat").contentType(MediaType.APPLICATION_JSON)
                .accept(MediaType.TEXT_EVENT_STREAM).bodyValue("{\"image_id\": \"" + IMAGE_ID + "\", \"prompt\": \"what is this?\"}")
                .exchange()
                .expectStatus().isOk()
                .expectHeader().contentTypeCompatibleWith(MediaType.TEXT_EVENT_STREAM)
                // Sent with the first event: the stages done by then; the others come in the 'done' event.
                .expectHeader().value("Server-Timing", timing -> assertThat(timing).matches("encode;dur=[0-9.]+, extract;dur=[0-9.]+"))
                .returnResult(new ParameterizedTypeReference<ServerSentEvent<String>>() { }).getResponseBody();

        StepVerifier.create(events)
                .assertNext(piece -> {
                    assertThat(piece.event()).isEqualTo("piece");
                    assertThat(piece.data()).contains("\"text\":\"region 0\"").contains("\"token_ids\":[7]");
                })
                .assertNext(done -> {
                    assertThat(done.event()).isEqualTo("done");
                    assertThat(done.data()).contains("\"finish_reason\":\"stop\"").contains("\"output_ids\":[7]").contains("\"timings\":{");
                })
                .expectComplete().verify(PATIENCE);
    }

    @Test
    void aStreamThatFailsBeforeItsFirstEventIsAnHttpErrorNotAStream() {
        client.post().uri("/v1/chat").contentType(MediaType.APPLICATION_JSON).accept(MediaType.TEXT_EVENT_STREAM)
                .bodyValue("{\"image_id\": \"" + IMAGE_ID + "\", \"prompt\": \"what is this?\", \"stream\": true}")
                .exchange()
                .expectStatus().isNotFound()
                .expectHeader().contentType(MediaType.APPLICATION_JSON)
                .expectBody().jsonPath("$.error.message").isEqualTo(RegionAsks.notKnown(IMAGE_ID).getMessage());
    }

    @Test
    void aStreamThatFailsAfterItStartedEndsWithAnErrorEvent() {
        upload();
        standIns.generation((request, responses) -> {
            responses.onNext(StandInBackends.piece(0, "Half"));
            responses.onError(Status.UNAVAILABLE.withDescription("going away").asRuntimeException());
        });

        Flux<ServerSentEvent<String>> events = client.post().uri("/v1/chat").contentType(MediaType.APPLICATION_JSON)
                .header(RequestIds.HEADER, "sse-1").bodyValue("{\"image_id\": \"" + IMAGE_ID + "\", \"prompt\": \"hi\", \"stream\": true}")
                .exchange()
                .expectStatus().isOk()
                .returnResult(new ParameterizedTypeReference<ServerSentEvent<String>>() { }).getResponseBody();

        StepVerifier.create(events)
                .assertNext(piece -> assertThat(piece.event()).isEqualTo("piece"))
                .assertNext(error -> {
                    assertThat(error.event()).isEqualTo("error");
                    assertThat(error.data()).isEqualTo("{\"error\":{\"code\":\"unavailable\",\"message\":\"llm-service is unavailable\","
                            + "\"request_id\":\"sse-1\"}}");
                })
                .expectComplete().verify(PATIENCE);
    }

    @Test
    void aBackendWhoseQueueIsFullIs429WithRetryAfter() {
        upload();
        standIns.refuse(StandInBackends.LLM, "Generate");

        client.post().uri("/v1/chat").contentType(MediaType.APPLICATION_JSON)
                .bodyValue("{\"image_id\": \"" + IMAGE_ID + "\", \"prompt\": \"what is this?\"}")
                .exchange()
                .expectStatus().isEqualTo(429)
                .expectHeader().valueEquals("Retry-After", "1")
                .expectBody().jsonPath("$.error.code").isEqualTo("resource_exhausted");
    }

    private void upload() {
        StandInFlows.upload(client);
    }

    private static String internalId() {
        return Tenant.SHARED.internalId(IMAGE_ID);
    }

    private static MultiValueMap<String, HttpEntity<?>> form(String field) {
        MultipartBodyBuilder form = new MultipartBodyBuilder();
        form.part(field, new ByteArrayResource(IMAGE) {
            @Override
            public String getFilename() {
                return "image.png";
            }
        }).contentType(MediaType.IMAGE_PNG);
        return form.build();
    }
}
