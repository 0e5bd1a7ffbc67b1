package dev.osprey.model.cli;

import dev.osprey.model.bundle.ModelBundle;
import dev.osprey.model.error.OspreyException;
import dev.osprey.model.image.ImageDecoder;
import dev.osprey.model.mask.BinaryMask;
import dev.osprey.model.sam.SamEmbedding;
import dev.osprey.model.sam.SamMasks;
import dev.osprey.model.sam.SamModelFiles;
import dev.osprey.model.sam.SamPoint;
import dev.osprey.model.sam.SamPrediction;
import dev.osprey.model.sam.SamPredictor;
import dev.osprey.model.sam.SamPrompt;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine;
import picocli.CommandLine.Option;

/**
 * {@code osprey generate --points}: regions that Segment Anything (the bundle's) makes of point
 * prompts, as the gateway's {@code {"points": [...]}} regions are made. One mask per region, chosen as
 * the official ONNX export chooses it: a single point gives the best-scored of SAM's three candidate
 * masks, more points its single-output mask. A picocli mixin; these regions come after the
 * {@code --mask} ones.
 */
final class SamRegions {

    /** One region's points. */
    record Points(List<SamPoint> points) {
    }

    @Option(names = "--points", paramLabel = "X,Y,LABEL[;X,Y,LABEL...]", converter = PointsConverter.class,
            description = "A region Segment Anything makes of these points (LABEL 1 on the object, 0 off it), after the --mask regions;"
                    + " repeat for several. Needs a bundle with SAM (osprey convert --sam).")
    List<Points> regions = new ArrayList<>();

    /** The regions' masks on {@code image}; none (and no SAM needed) without {@code --points}. */
    List<BinaryMask> masks(ModelBundle bundle, byte[] image, int threads) {
        if (regions.isEmpty()) {
            return List.of();
        }
        SamModelFiles files = bundle.sam().orElseThrow(() -> OspreyException.badInput("--points needs Segment Anything in the bundle, and "
                + bundle.dir() + " has none: convert the checkpoint again with --sam CKPT"));
        try (SamPredictor sam = SamPredictor.open(files, threads)) {
            SamEmbedding embedding = sam.embed(new ImageDecoder().decode(image));
            List<BinaryMask> masks = new ArrayList<>();
            for (Points region : regions) {
                boolean candidates = region.points().size() == 1;
                SamPrediction prediction = sam.predict(embedding, SamPrompt.of(region.points()), candidates);
                masks.add(SamMasks.mask(prediction, candidates ? prediction.bestIndex() : 0, embedding));
            }
            return masks;
        }
    }

    /** {@code X,Y,LABEL;X,Y,LABEL;...}: one region's points. */
    static final class PointsConverter implements CommandLine.ITypeConverter<Points> {
        @Override
        public Points convert(String value) {
            SegmentCommand.PointConverter point = new SegmentCommand.PointConverter();
            List<SamPoint> points = new ArrayList<>();
            for (String part : value.split(";", -1)) {
                points.add(point.convert(part));
            }
            return new Points(List.copyOf(points));
        }
    }
}
