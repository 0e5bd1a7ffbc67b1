package dev.osprey.extractor;

import java.time.Duration;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.util.unit.DataSize;

/**
 * How the extractor-service extracts ({@code osprey.extractor.*}).
 *
 * @param maxRegions       the most regions one Extract call may carry (default 64)
 * @param featureCacheSize bound on the feature maps kept of recent images, 24 MiB each at the real
 *                         model's size (default 256MB)
 * @param featureIdleTtl   a kept image unused this long is dropped (default 10m)
 */
@ConfigurationProperties("osprey.extractor")
record ExtractorProperties(
        @DefaultValue("64") int maxRegions,
        @DefaultValue("256MB") DataSize featureCacheSize,
        @DefaultValue("10m") Duration featureIdleTtl) {
}
