package dev.osprey.service;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

class ReplicasTest {

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
        }, System::currentTimeMillis);
        assertThat(replicas.current()).containsExactly("10.1.0.1:9093", "10.1.0.2:9093", "[0:0:0:0:0:0:0:1]:9093");
        dns.set(null);
        assertThat(replicas.current()).hasSize(3);
        dns.set(new InetAddress[0]);
        assertThatThrownBy(replicas::current).hasMessageContaining("llm-service has no replica: llm-headless resolves to no address");
    }

    @Test
    void aListContainsExactlyItsAddresses() {
        Replicas replicas = Replicas.parse("encoder-service", "10.0.0.1:9091, 10.0.0.2:9091", 1000);
        assertThat(replicas.contains("10.0.0.2:9091")).isTrue();
        assertThat(replicas.contains("10.0.0.2:9092")).isFalse();
        assertThat(replicas.contains("10.0.0.3:9091")).isFalse();
        assertThat(replicas.contains("")).isFalse();
    }

    @Test
    void dnsIsAskedAgainForAnUnlistedAddressButAtMostOnceASecond() throws UnknownHostException {
        AtomicReference<InetAddress[]> dns = new AtomicReference<>(new InetAddress[] {InetAddress.getByName("10.1.0.1")});
        AtomicInteger lookups = new AtomicInteger();
        AtomicLong now = new AtomicLong(1_000_000_000L);
        Replicas replicas = Replicas.parse("encoder-service", "dns:///encoder-headless:9091", 60_000, name -> {
            lookups.incrementAndGet();
            return dns.get();
        }, now::get);
        assertThat(replicas.contains("10.1.0.1:9091")).isTrue();
        assertThat(lookups).hasValue(1);

        dns.set(new InetAddress[] {InetAddress.getByName("10.1.0.1"), InetAddress.getByName("10.1.0.2")});
        for (int i = 0; i < 100; i++) {
            assertThat(replicas.contains("192.0.2.1:9091")).isFalse();
            assertThat(replicas.contains("10.1.0.2:9091")).as("a pod that joined within the last second").isFalse();
        }
        assertThat(lookups).as("made-up addresses do not drive a lookup per request").hasValue(1);

        now.addAndGet(1000);
        assertThat(replicas.contains("10.1.0.2:9091")).as("a pod that joined is found long before the refresh period ends").isTrue();
        assertThat(lookups).hasValue(2);
    }
}
