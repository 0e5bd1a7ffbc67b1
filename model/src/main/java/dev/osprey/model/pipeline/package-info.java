/**
 * The whole Osprey pipeline in one process, stage by stage as the data flows: image → features →
 * region tokens → interleaved sequence → tokens. Used by the CLI; the services run the same stages
 * apart.
 */
package dev.osprey.model.pipeline;
