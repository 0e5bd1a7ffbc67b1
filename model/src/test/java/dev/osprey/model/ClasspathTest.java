package dev.osprey.model;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URL;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The model library's dependencies stay plain: the frameworks {@link ArchitectureTest} keeps out of
 * model code must not come along on its classpath either (the ONNX protos are protobuf only; gRPC,
 * Spring, Reactor and Micrometer belong to the services).
 */
class ClasspathTest {

    @ParameterizedTest
    @ValueSource(strings = {"io.grpc.Channel", "io.grpc.stub.StreamObserver", "io.grpc.protobuf.ProtoUtils",
            "org.springframework.context.ApplicationContext", "reactor.core.publisher.Flux",
            "io.micrometer.core.instrument.MeterRegistry"})
    void noServiceFrameworkIsOnTheClasspath(String frameworkClass) {
        assertThat(classFile(frameworkClass)).as("%s is on model's classpath: a dependency brought its framework along", frameworkClass)
                .isNull();
    }

    // The same look-up finds what model does need, so an empty answer above means absent, not unseen.
    @ParameterizedTest
    @ValueSource(strings = {"dev.osprey.onnx.proto.ModelProto", "com.google.protobuf.Message"})
    void theOnnxProtosAreOnTheClasspath(String neededClass) {
        assertThat(classFile(neededClass)).as(neededClass).isNotNull();
    }

    private static URL classFile(String className) {
        return ClasspathTest.class.getClassLoader().getResource(className.replace('.', '/') + ".class");
    }
}
