package dev.osprey.gateway.rest;

import dev.osprey.gateway.flow.StandInBackends;
import org.junit.jupiter.api.BeforeEach;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.webflux.test.autoconfigure.WebFluxTest;
import org.springframework.context.annotation.Import;
import org.springframework.test.web.reactive.server.WebTestClient;

/**
 * A WebFlux slice with the Segment Anything, chat and image routes over {@link StandInFlows}: fresh
 * stand-ins with {@link StandInFlows#IMAGE} uploaded before each test.
 */
@WebFluxTest(controllers = {SamController.class, ChatController.class, ImagesController.class})
@Import(StandInFlows.class)
abstract class SamRoutesSlice {

    @Autowired
    WebTestClient client;
    @Autowired
    StandInBackends standIns;

    @BeforeEach
    void uploadTheImage() {
        standIns.reset();
        StandInFlows.upload(client);
    }
}
