package dev.osprey.gateway.rest;

import dev.osprey.gateway.access.Access;
import dev.osprey.gateway.access.AccessWebFilter;
import dev.osprey.gateway.access.ApiKeys;
import dev.osprey.gateway.access.RateLimiter;
import dev.osprey.gateway.flow.AskLimits;
import dev.osprey.gateway.flow.Backends;
import dev.osprey.gateway.flow.DescribeLimits;
import dev.osprey.gateway.flow.RegionAsks;
import dev.osprey.gateway.flow.SamAsks;
import dev.osprey.gateway.flow.Segmentations;
import dev.osprey.gateway.flow.StandInBackends;
import dev.osprey.model.pipeline.ImageId;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.test.context.TestConfiguration;
import org.springframework.context.annotation.Bean;
import org.springframework.http.MediaType;
import org.springframework.test.web.reactive.server.WebTestClient;

/**
 * For a WebFlux slice of the REST shell (the native routes' or the OpenAI-compatible ones'): the flows
 * over stand-in backends (two encoders), small limits (4 regions, 4 points, 64 new tokens; describe-all:
 * 6 masks, 2 per question), and the access check the gateway's configuration adds to its handler, open
 * unless the slice has an {@link ApiKeys} bean; and the image the slice tests upload.
 */
@TestConfiguration(proxyBeanMethods = false)
public class StandInFlows {

    /** An image the stand-in encoders take (as 4 x 3 pixels), and its id. */
    public static final byte[] IMAGE = "an image".getBytes(StandardCharsets.UTF_8);
    public static final String IMAGE_ID = ImageId.of(ByteBuffer.wrap(IMAGE));

    /** Uploads {@link #IMAGE} through the slice. */
    public static void upload(WebTestClient client) {
        client.post().uri("/v1/images").contentType(MediaType.IMAGE_PNG).bodyValue(IMAGE).exchange().expectStatus().isOk();
    }

    @Bean(destroyMethod = "close")
    StandInBackends standIns() {
        return new StandInBackends(2);
    }

    @Bean
    AskLimits askLimits() {
        return new AskLimits(1024, 4, 100, 2, 64, false, 4, Duration.ofMinutes(3), Duration.ofMinutes(3));
    }

    @Bean
    Segmentations segmentations(StandInBackends standIns) {
        return new Segmentations(standIns.backends());
    }

    @Bean
    RegionAsks regionAsks(StandInBackends standIns, Segmentations segmentations, AskLimits limits) {
        Backends backends = standIns.backends();
        return new RegionAsks(backends, segmentations, limits, true);
    }

    @Bean
    SamAsks samAsks(RegionAsks asks, Segmentations segmentations, AskLimits limits) {
        return new SamAsks(asks, segmentations, limits, new DescribeLimits(6, 2, 2, Duration.ofMinutes(3)));
    }

    @Bean
    AccessWebFilter access(ObjectProvider<ApiKeys> keys) {
        return new AccessWebFilter(new Access(keys.getIfAvailable(() -> new ApiKeys(List.of())), new RateLimiter(0, 1)), false);
    }
}
