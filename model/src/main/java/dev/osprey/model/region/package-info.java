/**
 * Region tokens: Osprey's MaskExtractor (spec §3) in plain Java. {@link dev.osprey.model.region.MaskExtractor}
 * turns one image's feature maps ({@link dev.osprey.model.region.FeatureMaps}) and region masks into
 * {@link dev.osprey.model.region.RegionTokens}; {@link dev.osprey.model.region.MaskPooling} and
 * {@link dev.osprey.model.region.Linear} are its two kernels, written with the Vector API (run the JVM
 * with {@code --add-modules=jdk.incubator.vector}); Linear holds its weights as bf16 in two layouts,
 * {@code RowWeights} for a few regions and {@code PanelWeights} for many.
 */
package dev.osprey.model.region;
