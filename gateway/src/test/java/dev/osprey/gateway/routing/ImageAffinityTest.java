package dev.osprey.gateway.routing;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ImageAffinityTest {

    private static final List<String> THREE = List.of("10.0.0.1:9091", "10.0.0.2:9091", "10.0.0.3:9091");

    @Test
    void imagesSpreadEvenlyAndAnOwnerDoesNotDependOnListOrder() {
        Map<String, Integer> owned = new HashMap<>();
        for (int i = 0; i < 3000; i++) {
            String id = "%064x".formatted(i * 7919L);
            String owner = ImageAffinity.owner(id, THREE);
            assertThat(ImageAffinity.owner(id, THREE.reversed())).isEqualTo(owner);
            owned.merge(owner, 1, Integer::sum);
        }
        assertThat(owned.values()).allSatisfy(n -> assertThat(n).isBetween(850, 1150));
    }

    @Test
    void aNewReplicaTakesOnlyItsShareAndTheOthersKeepTheirImages() {
        List<String> four = List.of("10.0.0.1:9091", "10.0.0.2:9091", "10.0.0.3:9091", "10.0.0.4:9091");
        int moved = 0;
        for (int i = 0; i < 4000; i++) {
            String id = "%064x".formatted(i * 104729L);
            String before = ImageAffinity.owner(id, THREE);
            String after = ImageAffinity.owner(id, four);
            if (!after.equals(before)) {
                assertThat(after).as("an image that moves goes to the new replica").isEqualTo("10.0.0.4:9091");
                moved++;
            }
        }
        assertThat(moved).isBetween(800, 1200);
    }
}
