package dev.osprey.service;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.binder.MeterBinder;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.context.annotation.Bean;

/**
 * Exports the process's resident memory as {@code process.resident.memory} (Prometheus:
 * {@code process_resident_memory_bytes}, the name Prometheus's own client libraries use): the JVM's
 * meters see the heap and direct buffers, but not the native memory ONNX Runtime holds the model in,
 * and a container's memory limit applies to all of it. Linux only; elsewhere the gauge reads NaN.
 */
@AutoConfiguration
public class ProcessMemoryAutoConfiguration {

    private static final Path STATUS = Path.of("/proc/self/status");

    @Bean
    MeterBinder processResidentMemory() {
        return registry -> Gauge.builder("process.resident.memory", ProcessMemoryAutoConfiguration::residentBytes)
                .description("Resident set size of the process (heap, direct buffers and native memory)").baseUnit("bytes").register(registry);
    }

    /** VmRSS of /proc/self/status (written in kB), in bytes; NaN where there is no such file. */
    static double residentBytes() {
        try {
            for (String line : Files.readAllLines(STATUS)) {
                if (line.startsWith("VmRSS:")) {
                    return Double.parseDouble(line.substring("VmRSS:".length()).replace("kB", "").strip()) * 1024;
                }
            }
        } catch (IOException e) {
            return Double.NaN;
        }
        return Double.NaN;
    }
}
