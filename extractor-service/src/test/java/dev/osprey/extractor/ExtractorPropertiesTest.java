package dev.osprey.extractor;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.core.env.StandardEnvironment;
import org.springframework.core.env.SystemEnvironmentPropertySource;
import org.springframework.util.unit.DataSize;

/** The extractor's settings: the defaults the README states, and the names deployments set as environment variables. */
class ExtractorPropertiesTest {

    @Test
    void unsetTheDefaultsAreTheDocumentedOnes() {
        ExtractorProperties defaults = bind(Map.of());

        assertThat(defaults).isEqualTo(new ExtractorProperties(64, DataSize.ofMegabytes(256), Duration.ofMinutes(10)));
    }

    @Test
    void environmentVariablesSetEachOne() {
        ExtractorProperties set = bind(Map.of("OSPREY_EXTRACTOR_MAXREGIONS", "8", "OSPREY_EXTRACTOR_FEATURECACHESIZE", "64MB",
                "OSPREY_EXTRACTOR_FEATUREIDLETTL", "30s"));

        assertThat(set).isEqualTo(new ExtractorProperties(8, DataSize.ofMegabytes(64), Duration.ofSeconds(30)));
    }

    private static ExtractorProperties bind(Map<String, Object> variables) {
        StandardEnvironment environment = new StandardEnvironment();
        // In place of this machine's environment, as Spring reads a process's.
        String name = StandardEnvironment.SYSTEM_ENVIRONMENT_PROPERTY_SOURCE_NAME;
        environment.getPropertySources().replace(name, new SystemEnvironmentPropertySource(name, variables));
        return Binder.get(environment).bindOrCreate("osprey.extractor", ExtractorProperties.class);
    }
}
