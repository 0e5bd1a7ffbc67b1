package dev.osprey.llm;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.github.dockerjava.api.model.DeviceRequest;
import dev.osprey.api.v1.Sampling;
import dev.osprey.api.v1.Task;
import dev.osprey.internal.v1.GenerateRequest;
import dev.osprey.llm.trtllm.TrtllmChat;
import dev.osprey.model.Golden;
import dev.osprey.model.TinyBundle;
import dev.osprey.model.bundle.HfLlamaExport;
import dev.osprey.model.bundle.ModelBundle;
import dev.osprey.model.checkpoint.HfCheckpoint;
import dev.osprey.model.trtllm.TrtllmContract;
import dev.osprey.model.trtllm.TrtllmRepository;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.testcontainers.DockerClientFactory;
import org.testcontainers.containers.GenericContainer;
import org.testcontainers.containers.wait.strategy.Wait;
import org.testcontainers.utility.MountableFile;

/**
 * The {@code triton-trtllm} backend against the real Triton TensorRT-LLM image: the golden checkpoint
 * exported as {@code osprey convert --target triton-trtllm} does, its engine built in the container by
 * the written build-engine.sh on the host's GPU, served from the written model repository; every golden
 * task is answered for every region, and each answer's first id is the embedded backend's (the engine
 * runs in float16, so later ids may part from the float32 decoder's). Skipped, with the reason, where
 * there is no Docker or no NVIDIA GPU; the image can be changed with {@code -Dosprey.trtllm.image=...}.
 */
class TrtllmContainerTest {

    private static final int HTTP = 8000;
    private static final int GRPC = 8001;

    @Test
    void tritonsTensorRtLlmEngineAnswersEveryGoldenTaskWithTheEmbeddedBackendsFirstIds(@TempDir Path dir) {
        assumeTrue(DockerClientFactory.instance().isDockerAvailable(), "no Docker here: the TensorRT-LLM Triton image cannot run");
        assumeTrue(Files.exists(Path.of("/dev/nvidia0")), "no NVIDIA GPU here (/dev/nvidia0): a TensorRT-LLM engine builds and runs only on one");
        ModelBundle bundle = TinyBundle.open();
        Path trtllm = dir.resolve("trtllm");
        try (HfCheckpoint checkpoint = HfCheckpoint.open(Golden.safetensorsCheckpoint())) {
            HfLlamaExport.DEFAULT.write(checkpoint, trtllm.resolve("hf"));
        }
        TrtllmRepository.forImageTokens(bundle.manifest().image().tokens()).write(trtllm);
        GoldenImage[] images = Stream.of(Golden.CASES).map(GoldenImage::read).toArray(GoldenImage[]::new);
        try (GenericContainer<?> triton = new GenericContainer<>(System.getProperty("osprey.trtllm.image",
                "nvcr.io/nvidia/tritonserver:25.10-trtllm-python-py3"))
                .withCopyFileToContainer(MountableFile.forHostPath(trtllm), "/osprey/trtllm")
                .withCreateContainerCmdModifier(cmd -> cmd.getHostConfig().withShmSize(2L << 30)
                        .withDeviceRequests(List.of(new DeviceRequest().withCount(1).withCapabilities(List.of(List.of("gpu"))))))
                .withCommand("/bin/sh", "-c", "sh /osprey/trtllm/build-engine.sh && tritonserver --model-repository=/osprey/trtllm/triton")
                .withExposedPorts(HTTP, GRPC)
                .waitingFor(Wait.forHttp("/v2/health/ready").forPort(HTTP).forStatusCode(200).withStartupTimeout(Duration.ofMinutes(20)))) {
            triton.start();
            String address = triton.getHost() + ":" + triton.getMappedPort(GRPC);
            try (LlmServer embedded = new LlmServer(1, 4, images);
                    LlmServer remote = new LlmServer(new TrtllmChat(bundle, new TrtllmChat.Triton(address, TrtllmContract.MODEL_NAME,
                            Duration.ofSeconds(30))), 4, 4, 0, images)) {
                for (GoldenImage image : images) {
                    for (Task task : new Task[] {Task.TASK_SHORT_DESCRIPTION, Task.TASK_DETAILED_DESCRIPTION, Task.TASK_CATEGORY}) {
                        GenerateRequest request = GenerateRequest.newBuilder().setImageId(image.imageId())
                                .setRegionTokens(image.regionTokens()).setSampling(Sampling.newBuilder().setGreedy(true))
                                .setMaxNewTokens(16).setTask(task).build();
                        Streamed expected = Streamed.collect(embedded.stub().generate(request));
                        Streamed actual = Streamed.collect(remote.stub().generate(request));
                        for (int region = 0; region < image.regions(); region++) {
                            assertThat(actual.outputIds(region)).as(image.caseName() + " " + task + " region " + region).isNotEmpty()
                                    .startsWith(expected.outputIds(region)[0]);
                        }
                    }
                }
            }
        }
    }
}
