package dev.osprey.encoder.uploads;

import java.net.URI;
import java.time.Duration;

/**
 * Where an {@link S3UploadStore} keeps uploads ({@code osprey.encoder.uploads.s3.*}).
 *
 * @param endpoint  an S3-compatible store's URL (MinIO, Ceph, ...); empty for AWS S3 itself
 * @param region    the bucket's region (S3-compatible stores accept any, e.g. us-east-1)
 * @param bucket    the bucket, which must exist
 * @param prefix    put before each image id to make the object key (e.g. {@code uploads/})
 * @param pathStyle address the bucket in the path ({@code endpoint/bucket/key}), as most S3-compatible stores want
 * @param accessKey with {@code secretKey}: static credentials; empty: the AWS default chain (environment,
 *                  system properties, web identity, profile, container and instance roles)
 * @param secretKey the secret of {@code accessKey}
 * @param timeout   the most one call may take, retries included
 */
public record S3Settings(URI endpoint, String region, String bucket, String prefix, boolean pathStyle, String accessKey,
        String secretKey, Duration timeout) {

    public S3Settings {
        if (bucket == null || bucket.isBlank()) {
            throw new IllegalArgumentException("osprey.encoder.uploads.s3.bucket is required with osprey.encoder.uploads.backend=s3");
        }
        if (isBlank(accessKey) != isBlank(secretKey)) {
            throw new IllegalArgumentException("set both osprey.encoder.uploads.s3.access-key and secret-key, or neither"
                    + " (then the AWS default credential chain applies)");
        }
        // An empty property binds as an empty URI: no endpoint, AWS itself.
        endpoint = endpoint == null || endpoint.toString().isEmpty() ? null : endpoint;
        prefix = prefix == null ? "" : prefix;
        timeout = timeout == null ? Duration.ofSeconds(30) : timeout;
    }

    /** Whether static credentials are set. */
    boolean hasStaticCredentials() {
        return !isBlank(accessKey);
    }

    /** No secret in logs or dumps. */
    @Override
    public String toString() {
        return "S3Settings[endpoint=" + (endpoint == null ? "AWS" : endpoint) + ", region=" + region + ", bucket=" + bucket
                + ", prefix=" + prefix + ", pathStyle=" + pathStyle + ", credentials=" + (hasStaticCredentials() ? "static" : "default chain")
                + ", timeout=" + timeout + "]";
    }

    private static boolean isBlank(String value) {
        return value == null || value.isBlank();
    }
}
