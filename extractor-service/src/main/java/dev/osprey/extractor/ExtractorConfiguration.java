package dev.osprey.extractor;

import dev.osprey.model.bundle.ModelBundle;
import dev.osprey.model.checkpoint.SafetensorsFile;
import dev.osprey.model.region.ExtractorWarmUp;
import dev.osprey.model.region.MaskExtractor;
import dev.osprey.model.region.MaskExtractorWeights;
import dev.osprey.service.EncoderChannels;
import dev.osprey.service.EncoderClient;
import dev.osprey.service.EncoderClientProperties;
import dev.osprey.service.InternalAuthConfiguration;
import dev.osprey.service.InternalProperties;
import dev.osprey.service.ModelProperties;
import dev.osprey.service.StageSpans;
import io.grpc.BindableService;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.observation.ObservationRegistry;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.context.annotation.Import;

/**
 * Builds the extractor from the bundle's mask-extractor weights and {@link ExtractorProperties}, and its
 * encoder client; internal calls need the token.
 */
@Configuration(proxyBeanMethods = false)
@Import(InternalAuthConfiguration.class)
@EnableConfigurationProperties({ModelProperties.class, EncoderClientProperties.class, ExtractorProperties.class})
class ExtractorConfiguration {

    private static final Logger LOG = LoggerFactory.getLogger(ExtractorConfiguration.class);

    @Bean
    MaskExtractor maskExtractor(ModelProperties model) {
        ModelBundle bundle = model.open();
        MaskExtractor extractor;
        // The weights are copied onto the heap; the file need not stay open.
        try (SafetensorsFile weights = SafetensorsFile.open(bundle.extractorWeights())) {
            extractor = new MaskExtractor(MaskExtractorWeights.load(weights));
        }
        // Before the service is ready, so that the first question does not run the kernels uncompiled.
        long start = System.nanoTime();
        int calls = ExtractorWarmUp.run(extractor, bundle.manifest().extractor().levelDims(), bundle.manifest().image().size());
        LOG.info("mask extractor warmed up: {} calls in {} ms", calls, (System.nanoTime() - start) / 1_000_000);
        return extractor;
    }

    @Bean(destroyMethod = "close")
    EncoderChannels encoderChannels(EncoderClientProperties encoder, InternalProperties internal, ObservationRegistry observations) {
        return EncoderChannels.of(encoder, internal, observations);
    }

    @Bean
    BindableService extractorGrpcService(MaskExtractor extractor, EncoderChannels channels, EncoderClientProperties encoder,
            ExtractorProperties properties, MeterRegistry registry, StageSpans spans) {
        return new ExtractorGrpcService(new RegionExtraction(new EncoderClient(channels, encoder.deadline()), extractor, properties.maxRegions(),
                RegionExtraction.featureCache(properties.featureCacheSize().toBytes(), properties.featureIdleTtl()), spans), registry);
    }
}
