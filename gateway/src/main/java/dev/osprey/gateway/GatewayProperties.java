package dev.osprey.gateway;

import dev.osprey.gateway.flow.AskLimits;
import dev.osprey.gateway.flow.DescribeLimits;
import java.time.Duration;
import java.util.List;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.util.unit.DataSize;

/**
 * The gateway's settings ({@code osprey.gateway.*}; defaults in application.properties).
 *
 * @param encoders       encoder-service replicas: host:port,... or dns:///headless-service:port
 * @param extractors     extractor-service replicas, likewise
 * @param llms           llm-service replicas, likewise
 * @param dnsRefresh     how often a dns:/// replica list is resolved again
 * @param apiKeys        keys clients must present, each {@code KEY} or {@code tenant=KEY}; none: the API is open
 * @param apiDocsPrivate whether the OpenAPI document and its UI need a key too (else they are open)
 * @param ratePerSecond  requests per second per tenant (or per address without keys); 0: unlimited
 * @param rateBurst      requests a client may make at once
 * @param maxImageSize   the largest upload; larger bodies get 413
 * @param warmUp         whether an upload starts, in the background, its image's prefix on the llm-service that
 *                       will answer about it, so that the first question finds it cached
 * @param describeAll    how "describe everything" ({@code POST /v1/describe-all}) runs; see {@link DescribeLimits}
 */
@ConfigurationProperties("osprey.gateway")
public record GatewayProperties(String encoders, String extractors, String llms, Duration dnsRefresh, List<String> apiKeys,
        boolean apiDocsPrivate, double ratePerSecond, int rateBurst, DataSize maxImageSize, Limits limits,
        boolean warmUp, DescribeAll describeAll) {

    /** What one question may hold and how long it may take; see {@link AskLimits}. */
    public record Limits(int maxRegions, int maxPromptChars, int maxHistoryTurns, int maxNewTokens, boolean allowEmptyMasks,
            int maxPoints, Duration deadline, Duration uploadDeadline) {

        AskLimits toAskLimits(DataSize maxImageSize) {
            return new AskLimits(maxImageSize.toBytes(), maxRegions, maxPromptChars, maxHistoryTurns, maxNewTokens, allowEmptyMasks, maxPoints,
                    deadline, uploadDeadline);
        }
    }

    /** See {@link DescribeLimits}; masks per ask are a question's regions, so at most {@link Limits#maxRegions} of them. */
    public record DescribeAll(int maxMasks, int masksPerAsk, int concurrentAsks, Duration deadline) {

        DescribeLimits toDescribeLimits(Limits limits) {
            return new DescribeLimits(maxMasks, Math.min(masksPerAsk, limits.maxRegions()), concurrentAsks, deadline);
        }
    }

    public GatewayProperties {
        apiKeys = apiKeys == null ? List.of() : List.copyOf(apiKeys);
    }
}
