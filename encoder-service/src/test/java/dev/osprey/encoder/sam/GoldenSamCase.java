package dev.osprey.encoder.sam;

import static org.assertj.core.api.Assertions.assertThat;

import dev.osprey.internal.v1.PromptBox;
import dev.osprey.internal.v1.PromptPoint;
import dev.osprey.internal.v1.SegmentRequest;
import dev.osprey.model.checkpoint.SafetensorsFile;
import dev.osprey.model.mask.BinaryMask;
import dev.osprey.model.sam.SamBox;
import dev.osprey.model.sam.SamGolden;
import dev.osprey.model.sam.SamPoint;
import dev.osprey.model.sam.SamPrompt;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.util.List;

/**
 * One prompt case of the SAM golden set as a service sees it: the image to upload, the prompt, and
 * the check of served masks against the reference's by the golden README's band rule ({@link SamGolden}).
 *
 * @param golden the case, e.g. {@code s1_img0/point1_mm}
 */
public record GoldenSamCase(SamGolden.Case golden) {

    /** The case {@code image/case}. */
    public static GoldenSamCase read(String name) {
        return new GoldenSamCase(SamGolden.cases().filter(c -> c.toString().equals(name)).findFirst()
                .orElseThrow(() -> new AssertionError("no golden SAM case " + name)));
    }

    /** The PNG bytes of a golden input image. */
    public static byte[] imageBytes(String image) {
        try {
            return Files.readAllBytes(SamGolden.imageFile(image));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public String image() {
        return golden.image();
    }

    public byte[] imageBytes() {
        return imageBytes(golden.image());
    }

    public SamPrompt prompt() {
        return SamGolden.prompt(golden, null);
    }

    public boolean multimask() {
        return golden.json().get("api").get("multimask_output").asBoolean();
    }

    public int width() {
        return golden.json().get("original_size").get(1).asInt();
    }

    public int height() {
        return golden.json().get("original_size").get(0).asInt();
    }

    public int bestIndex() {
        return golden.json().get("best_mask_index").asInt();
    }

    /** The case as a Segment request on the uploaded image {@code imageId}. */
    public SegmentRequest request(String imageId) {
        SamPrompt prompt = prompt();
        SegmentRequest.Builder request = SegmentRequest.newBuilder().setImageId(imageId).setMultimask(multimask());
        for (SamPoint p : prompt.points()) {
            request.addPoints(PromptPoint.newBuilder().setX(p.x()).setY(p.y()).setLabel(p.label()));
        }
        SamBox box = prompt.box();
        if (box != null) {
            request.setBox(PromptBox.newBuilder().setX0(box.x0()).setY0(box.y0()).setX1(box.x1()).setY1(box.y1()));
        }
        return request.build();
    }

    /** Asserts that {@code masks} are the reference's, in order, but for flips where its logit is near zero. */
    public void assertMasks(List<BinaryMask> masks) {
        assertThat(masks).as("%s masks", golden).hasSize(golden.json().get("num_masks").asInt());
        try (SafetensorsFile tensors = golden.tensors()) {
            long[] band = SamGolden.longs(tensors.get("band_index"));
            float[] bandLogits = tensors.get("band_logits").toFloats();
            for (int k = 0; k < masks.size(); k++) {
                SamGolden.assertWithinBand(golden + " mask " + k, masks.get(k), SamGolden.png(golden.dir().resolve("mask_" + k + ".png")), k,
                        band, bandLogits);
            }
        }
    }
}
