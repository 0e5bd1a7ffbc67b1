package dev.osprey.extractor;

import dev.osprey.model.bundle.ModelBundle;
import dev.osprey.model.checkpoint.SafetensorsFile;
import dev.osprey.model.region.MaskExtractor;
import dev.osprey.model.region.MaskExtractorWeights;
import dev.osprey.service.EncoderChannels;
import dev.osprey.service.EncoderClient;
import dev.osprey.service.EncoderClientProperties;
import dev.osprey.service.InternalAuthConfiguration;
import dev.osprey.service.InternalProperties;
import dev.osprey.service.ModelProperties;
import io.grpc.BindableService;
import io.micrometer.core.instrument.MeterRegistry;
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

    @Bean
    MaskExtractor maskExtractor(ModelProperties model) {
        ModelBundle bundle = model.open();
        // The weights are copied onto the heap; the file need not stay open.
        try (SafetensorsFile weights = SafetensorsFile.open(bundle.extractorWeights())) {
            return new MaskExtractor(MaskExtractorWeights.load(weights));
        }
    }

    @Bean(destroyMethod = "close")
    EncoderChannels encoderChannels(EncoderClientProperties encoder, InternalProperties internal) {
        return EncoderChannels.of(encoder, internal);
    }

    @Bean
    BindableService extractorGrpcService(MaskExtractor extractor, EncoderChannels channels, EncoderClientProperties encoder,
            ExtractorProperties properties, MeterRegistry registry) {
        return new ExtractorGrpcService(new RegionExtraction(new EncoderClient(channels, encoder.deadline()), extractor, properties.maxRegions(),
                RegionExtraction.featureCache(properties.featureCacheSize().toBytes(), properties.featureIdleTtl())), registry);
    }
}
