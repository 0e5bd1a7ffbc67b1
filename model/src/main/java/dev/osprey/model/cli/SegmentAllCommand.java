package dev.osprey.model.cli;

import dev.osprey.model.error.OspreyException;
import dev.osprey.model.image.ImageDecoder;
import dev.osprey.model.image.RgbImage;
import dev.osprey.model.sam.SamPredictor;
import dev.osprey.model.sam.auto.AutomaticMask;
import dev.osprey.model.sam.auto.AutomaticMaskGenerator;
import dev.osprey.model.sam.auto.AutomaticMasksJson;
import dev.osprey.model.sam.auto.AutomaticParams;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code osprey segment-all}: Segment Anything's automatic mask generator on one image. */
@Command(name = "segment-all", mixinStandardHelpOptions = true,
        description = {"Segment everything in an image with SAM's automatic mask generator (the reference's SamAutomaticMaskGenerator).",
                "Writes {\"annotations\": [...]} with the reference's fields and order: segmentation, area, bbox, predicted_iou,"
                        + " point_coords, stability_score, crop_box.",
                "PARAMS.json holds any of points_per_side, points_per_batch, pred_iou_thresh, stability_score_thresh,"
                        + " stability_score_offset, box_nms_thresh, crop_n_layers, crop_nms_thresh, crop_overlap_ratio,"
                        + " crop_n_points_downscale_factor, min_mask_region_area, output_mode; the rest keep the reference's defaults."})
final class SegmentAllCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Mixin
    SamModelOption sam;

    @Option(names = "--image", required = true, paramLabel = "IMG", description = "JPEG or PNG image.")
    Path image;

    @Option(names = "--params", paramLabel = "PARAMS.json", description = "Generator parameters (default: the reference's defaults).")
    Path params;

    @Option(names = "--out", required = true, paramLabel = "OUT.json", description = "Annotations file to write.")
    Path out;

    @Override
    public Integer call() {
        AutomaticParams parameters = params == null ? AutomaticParams.DEFAULTS
                : AutomaticParams.fromJson(new String(CliFiles.read(params, "parameters"), StandardCharsets.UTF_8));
        RgbImage decoded = new ImageDecoder().decode(CliFiles.read(image, "image"));
        List<AutomaticMask> masks;
        try (SamPredictor predictor = sam.open(0)) {
            masks = new AutomaticMaskGenerator(predictor, parameters).generate(decoded);
        }
        try {
            Files.writeString(out, AutomaticMasksJson.write(masks, parameters.outputMode()));
        } catch (IOException e) {
            throw OspreyException.badInput("cannot write the annotations to " + out + ": " + e.getMessage());
        }
        spec.commandLine().getOut().printf("%d masks of %s (%dx%d) written to %s%n", masks.size(), image, decoded.width(), decoded.height(), out);
        return 0;
    }
}
