/**
 * Where uploaded images live beyond the encoder's memory, so that they survive a restart and are
 * shared by replicas: {@link dev.osprey.encoder.uploads.UploadStore} with a local directory
 * ({@link dev.osprey.encoder.uploads.LocalUploadStore}, the embedded default) or an S3-compatible
 * object store ({@link dev.osprey.encoder.uploads.S3UploadStore}). Plain Java, no Spring.
 */
package dev.osprey.encoder.uploads;
