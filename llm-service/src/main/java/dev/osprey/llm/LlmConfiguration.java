package dev.osprey.llm;

import dev.osprey.llm.trtllm.TrtllmChat;
import dev.osprey.model.bundle.ModelBundle;
import dev.osprey.model.decode.PrefixCache;
import dev.osprey.model.pipeline.ChatModel;
import dev.osprey.model.pipeline.RegionChat;
import dev.osprey.service.EncoderChannels;
import dev.osprey.service.EncoderClient;
import dev.osprey.service.EncoderClientProperties;
import dev.osprey.service.InternalAuthConfiguration;
import dev.osprey.service.InternalProperties;
import dev.osprey.service.ModelProperties;
import dev.osprey.service.StageSpans;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.observation.ObservationRegistry;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.context.annotation.Import;

/**
 * Builds the plain classes from the properties. The model loads while the context starts, so the
 * service is ready (health, gRPC) only once it can answer; a wrong bundle stops startup with a
 * message saying what to fix. Internal calls need the token.
 */
@Configuration(proxyBeanMethods = false)
@Import(InternalAuthConfiguration.class)
@EnableConfigurationProperties({ModelProperties.class, LlmProperties.class, EncoderClientProperties.class})
class LlmConfiguration {

    private static final Logger log = LoggerFactory.getLogger(LlmConfiguration.class);

    @Bean
    ChatModel chatModel(ModelProperties model, LlmProperties llm) {
        return switch (llm.backend()) {
            case EMBEDDED -> regionChat(model, llm);
            case TRITON_TRTLLM -> {
                ModelBundle bundle = model.open();
                LlmProperties.Triton triton = llm.triton();
                log.info("language model of {} decodes on Triton at {} (TensorRT-LLM model {}); tokenizer and template from the bundle",
                        bundle.dir(), triton.address(), triton.model());
                yield new TrtllmChat(bundle, new TrtllmChat.Triton(triton.address(), triton.model(), triton.deadline()));
            }
        };
    }

    private static RegionChat regionChat(ModelProperties model, LlmProperties llm) {
        long start = System.nanoTime();
        ModelBundle bundle = model.open();
        PrefixCache prefixes = new PrefixCache(llm.prefixCacheSize().toBytes());
        RegionChat chat = new RegionChat(bundle, model.threads(), prefixes, llm.prefixKvPrecision(),
                new RegionChat.Sharing(llm.maxBatch(), llm.prefillConcurrency(), llm.idleKvSize().toBytes()));
        log.info("language model of {} ({}, hidden {}) loaded in {} ms; prefix cache {} ({}); decoding batch of up to {} sequences, {} prefill(s) at once",
                bundle.dir(), bundle.manifest().precision(), chat.hidden(), (System.nanoTime() - start) / 1_000_000, llm.prefixCacheSize(),
                chat.prefixPrecision().label(), llm.maxBatch(), llm.prefillConcurrency());
        return chat;
    }

    @Bean
    LanguageModelHealthIndicator languageModelHealthIndicator(ChatModel chat) {
        return new LanguageModelHealthIndicator(chat);
    }

    @Bean
    EncoderChannels encoderChannels(EncoderClientProperties encoder, InternalProperties internal, ObservationRegistry observations) {
        return EncoderChannels.of(encoder, internal, observations);
    }

    @Bean
    GenerationQueue generationQueue(LlmProperties llm) {
        return new GenerationQueue(llm.workers(), llm.queueCapacity(), llm.drainTimeout());
    }

    @Bean
    WarmUps warmUps(LlmProperties llm, GenerationQueue queue, ChatModel chat) {
        // Without a prefix cache here a warm-up would keep nothing.
        int queueSize = chat instanceof RegionChat local && local.prefixCache() != null ? llm.warmUp().queueSize() : 0;
        return new WarmUps(queueSize, () -> queue.running() > 0 || queue.waiting() > 0);
    }

    @Bean
    LlmMetrics llmMetrics(MeterRegistry registry, ChatModel chat, GenerationQueue queue, WarmUps warmUps) {
        return new LlmMetrics(registry, chat, queue, warmUps);
    }

    @Bean
    LlmGrpcService llmGrpcService(ChatModel chat, EncoderChannels channels, EncoderClientProperties encoder, GenerationQueue queue,
            WarmUps warmUps, LlmMetrics metrics, LlmProperties llm, StageSpans spans) {
        return new LlmGrpcService(chat, new EncoderClient(channels, encoder.deadline()), queue, warmUps, metrics,
                llm.defaultMaxNewTokens(), spans);
    }
}
