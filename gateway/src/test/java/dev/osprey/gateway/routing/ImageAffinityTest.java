package dev.osprey.gateway.routing;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
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

    @Test
    void replicasComeFromAListOrFromDnsAndKeepTheLastGoodAnswer() throws UnknownHostException {
        assertThat(Replicas.parse("encoder-service", " b:1, a:1 ,", 1000).current()).containsExactly("a:1", "b:1");
        AtomicReference<InetAddress[]> dns = new AtomicReference<>(new InetAddress[] {
            InetAddress.getByName("10.1.0.2"), InetAddress.getByName("10.1.0.1"), InetAddress.getByName("::1")});
        Replicas replicas = Replicas.parse("llm-service", "dns:///llm-headless:9093", 0, name -> {
            InetAddress[] answer = dns.get();
            if (answer == null) {
                throw new IllegalStateException("unknown host " + name);
            }
            return answer;
        });
        assertThat(replicas.current()).containsExactly("10.1.0.1:9093", "10.1.0.2:9093", "[0:0:0:0:0:0:0:1]:9093");
        dns.set(null);
        assertThat(replicas.current()).hasSize(3);
        dns.set(new InetAddress[0]);
        org.assertj.core.api.Assertions.assertThatThrownBy(replicas::current)
                .hasMessageContaining("llm-service has no replica: llm-headless resolves to no address");
    }
}
