package dev.osprey.service;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.binder.MeterBinder;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.Test;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

class ProcessMemoryAutoConfigurationTest {

    @Test
    void exportsTheResidentMemoryOfThisProcessInBytes() {
        new ApplicationContextRunner().withConfiguration(AutoConfigurations.of(ProcessMemoryAutoConfiguration.class)).run(context -> {
            SimpleMeterRegistry registry = new SimpleMeterRegistry();
            context.getBean(MeterBinder.class).bindTo(registry);
            double resident = registry.get("process.resident.memory").gauge().value();
            // A running JVM holds tens of MiB at least (code, metaspace, touched heap), in bytes, not kB.
            assertThat(resident).isGreaterThan(16 << 20).isLessThan(1L << 40);
            assertThat(registry.get("process.resident.memory").gauge().getId().getBaseUnit()).isEqualTo("bytes");
        });
    }
}
