package dev.osprey.service;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.core.env.StandardEnvironment;
import org.springframework.core.env.SystemEnvironmentPropertySource;

/** The client-side encoder settings bind from the environment variables the deployments set, apart from the encoder's own. */
class EncoderClientPropertiesTest {

    @Test
    void theDeploymentsVariablesBindAndTheEncodersOwnDoNot() {
        StandardEnvironment environment = new StandardEnvironment();
        // In place of this machine's environment, as Spring reads a process's.
        String name = StandardEnvironment.SYSTEM_ENVIRONMENT_PROPERTY_SOURCE_NAME;
        environment.getPropertySources().replace(name, new SystemEnvironmentPropertySource(name, Map.of(
                "OSPREY_ENCODERCLIENT_ADDRESS", "encoder:9091",
                "OSPREY_ENCODERCLIENT_REPLICAS", "dns:///encoder-headless:9091",
                "OSPREY_ENCODER_DEADLINE", "5s")));

        EncoderClientProperties client = Binder.get(environment).bindOrCreate("osprey.encoder-client", EncoderClientProperties.class);

        assertThat(client.address()).isEqualTo("encoder:9091");
        assertThat(client.replicas()).isEqualTo("dns:///encoder-headless:9091");
        assertThat(client.deadline()).as("osprey.encoder.* is encoder-service's").isEqualTo(Duration.ofSeconds(30));
        assertThat(client.dnsRefresh()).isEqualTo(Duration.ofSeconds(10));
    }
}
