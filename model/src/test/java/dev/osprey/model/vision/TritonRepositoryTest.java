package dev.osprey.model.vision;

import static org.assertj.core.api.Assertions.assertThat;

import dev.osprey.model.Golden;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The Triton repository holds real copies of the model files and a config that matches the model. */
class TritonRepositoryTest {

    @TempDir
    Path dir;

    @Test
    void writesTheModelFilesAndTheGpuAndCpuConfigs() throws Exception {
        Path model = TinyVision.build(dir.resolve("bundle"));

        Path modelDir = TritonRepository.DEFAULT.write(model, dir.resolve("triton"));

        assertThat(modelDir).isEqualTo(dir.resolve("triton/osprey_vision"));
        Path copy = modelDir.resolve("1/model.onnx");
        Path dataCopy = modelDir.resolve("1/" + VisionGraphBuilder.DATA_FILE);
        for (Path[] pair : new Path[][] {{copy, model}, {dataCopy, model.resolveSibling(VisionGraphBuilder.DATA_FILE)}}) {
            assertThat(Files.isSymbolicLink(pair[0])).as("%s is a symlink", pair[0]).isFalse();
            assertThat(Files.mismatch(pair[0], pair[1])).as("%s equals %s", pair[0], pair[1]).isEqualTo(-1L);
        }
        assertThat(modelDir.resolve("config.pbtxt")).hasContent("""
                # The Osprey vision tower (ConvNeXt trunk + mm_projector), written by osprey-serving.
                name: "osprey_vision"
                backend: "onnxruntime"
                max_batch_size: 8
                input [
                  {
                    name: "pixel_values"
                    data_type: TYPE_FP32
                    dims: [ 3, 512, 512 ]
                  }
                ]
                output [
                  {
                    name: "res2"
                    data_type: TYPE_FP32
                    dims: [ 8, 128, 128 ]
                  },
                  {
                    name: "res3"
                    data_type: TYPE_FP32
                    dims: [ 16, 64, 64 ]
                  },
                  {
                    name: "res4"
                    data_type: TYPE_FP32
                    dims: [ 32, 32, 32 ]
                  },
                  {
                    name: "res5"
                    data_type: TYPE_FP32
                    dims: [ 64, 16, 16 ]
                  },
                  {
                    name: "image_embeds"
                    data_type: TYPE_FP32
                    dims: [ 1024, 64 ]
                  }
                ]
                dynamic_batching {
                  max_queue_delay_microseconds: 2000
                }
                instance_group [
                  {
                    count: 1
                    kind: KIND_GPU
                  }
                ]
                """);
        assertThat(Files.readString(modelDir.resolve(TritonRepository.CPU_CONFIG)))
                .isEqualTo(Files.readString(modelDir.resolve("config.pbtxt")).replace("kind: KIND_GPU", "kind: KIND_CPU"));
    }

    @Test
    void theCopiedModelFindsItsCopiedWeights() throws Exception {
        Path bundle = dir.resolve("bundle");
        Path modelDir = TritonRepository.DEFAULT.write(TinyVision.build(bundle), dir.resolve("triton"));
        // Without the originals, the copy can only load from the data file beside it.
        Files.delete(bundle.resolve(VisionGraphBuilder.MODEL_FILE));
        Files.delete(bundle.resolve(VisionGraphBuilder.DATA_FILE));

        try (OnnxVisionTower tower = OnnxVisionTower.open(modelDir.resolve("1/model.onnx"), 1);
                var golden = Golden.tensors("s1_img2")) {
            VisionFeatures features = tower.encode(TinyVision.pixelValues("s1_img2")).getFirst();
            Golden.assertClose("image_embeds", features.imageEmbeds(), golden.floats("image_embeds"), 1e-4, 1e-4);
        }
    }
}
