/**
 * The encoder's state without any framework: image ids, the feature cache and the store of uploads
 * from which evicted features are re-encoded ({@link dev.osprey.encoder.features.FeatureStore}).
 */
package dev.osprey.encoder.features;
