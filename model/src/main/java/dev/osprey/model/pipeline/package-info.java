/**
 * The whole Osprey pipeline in one process, stage by stage as the data flows: image → features →
 * region tokens → interleaved sequence → tokens ({@link dev.osprey.model.pipeline.OspreyPipeline},
 * used by the CLI). Its language half, {@link dev.osprey.model.pipeline.RegionChat}, takes image and
 * region tokens from elsewhere, as the llm-service does.
 */
package dev.osprey.model.pipeline;
