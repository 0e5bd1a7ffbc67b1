package dev.osprey.encoder.uploads;

import dev.osprey.model.pipeline.ImageId;
import java.time.Duration;
import java.util.HexFormat;
import java.util.Map;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.auth.credentials.DefaultCredentialsProvider;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.awscore.exception.AwsServiceException;
import software.amazon.awssdk.core.ResponseBytes;
import software.amazon.awssdk.core.checksums.RequestChecksumCalculation;
import software.amazon.awssdk.core.checksums.ResponseChecksumValidation;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.core.exception.SdkServiceException;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.S3ClientBuilder;
import software.amazon.awssdk.services.s3.model.GetObjectResponse;

/**
 * Uploads as objects in an S3 bucket (AWS S3 or an S3-compatible store), key = prefix + image id,
 * body = the bytes as uploaded, user metadata {@code sha256} = their checksum, checked on every read.
 * One PutObject writes an object whole, so replicas sharing the bucket never see half an upload.
 * Nothing expires here: give the bucket a lifecycle rule (docs/deploy.md).
 *
 * <p>The SDK's newer integrity checksums (CRC trailers) are sent and checked only where an operation
 * requires them, since several S3-compatible stores refuse them; our own checksum covers the bytes end
 * to end instead. The client is the JDK's HTTP connection, with the SDK's standard retries.
 */
public final class S3UploadStore implements UploadStore, AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(S3UploadStore.class);
    private static final String CHECKSUM = "sha256";
    private static final HexFormat HEX = HexFormat.of();

    private final S3Client s3;
    private final S3Settings settings;

    private S3UploadStore(S3Client s3, S3Settings settings) {
        this.s3 = s3;
        this.settings = settings;
    }

    /** A store over a client built from {@code settings}; nothing is called yet. */
    public static S3UploadStore open(S3Settings settings) {
        Duration timeout = settings.timeout();
        S3ClientBuilder builder = S3Client.builder()
                .httpClientBuilder(UrlConnectionHttpClient.builder().connectionTimeout(Duration.ofSeconds(5)).socketTimeout(timeout))
                .region(Region.of(settings.region()))
                .forcePathStyle(settings.pathStyle())
                .credentialsProvider(credentials(settings))
                .requestChecksumCalculation(RequestChecksumCalculation.WHEN_REQUIRED)
                .responseChecksumValidation(ResponseChecksumValidation.WHEN_REQUIRED)
                .overrideConfiguration(o -> o.apiCallTimeout(timeout));
        if (settings.endpoint() != null) {
            builder.endpointOverride(settings.endpoint());
        }
        return new S3UploadStore(builder.build(), settings);
    }

    private static AwsCredentialsProvider credentials(S3Settings settings) {
        return settings.hasStaticCredentials()
                ? StaticCredentialsProvider.create(AwsBasicCredentials.create(settings.accessKey(), settings.secretKey()))
                : DefaultCredentialsProvider.builder().build();
    }

    @Override
    public void put(String imageId, byte[] imageBytes) {
        String key = key(imageId);
        try {
            s3.putObject(b -> b.bucket(settings.bucket()).key(key).contentType("application/octet-stream")
                    .metadata(Map.of(CHECKSUM, HEX.formatHex(Checksum.of(imageBytes)))), RequestBody.fromBytes(imageBytes));
        } catch (SdkException e) {
            throw failure("store", imageId, e);
        }
    }

    @Override
    public Optional<byte[]> get(String imageId) {
        String key = key(imageId);
        ResponseBytes<GetObjectResponse> object;
        try {
            object = s3.getObjectAsBytes(b -> b.bucket(settings.bucket()).key(key));
        } catch (SdkException e) {
            if (isMissingKey(e)) {
                return Optional.empty();
            }
            throw failure("read", imageId, e);
        }
        byte[] bytes = object.asByteArray();
        String stored = object.response().metadata().get(CHECKSUM);
        if (stored == null || !stored.equals(HEX.formatHex(Checksum.of(bytes)))) {
            log.warn("upload store: object {} in bucket {} ({} bytes) fails its checksum (truncated, overwritten or not ours); deleting it",
                    key, settings.bucket(), bytes.length);
            delete(imageId);
            throw StoreFailures.damaged(imageId);
        }
        return Optional.of(bytes);
    }

    @Override
    public boolean delete(String imageId) {
        String key = key(imageId);
        try {
            // DeleteObject answers alike whether or not the key existed: ask first.
            s3.headObject(b -> b.bucket(settings.bucket()).key(key));
        } catch (SdkException e) {
            if (isMissingKey(e)) {
                return false;
            }
            throw failure("delete", imageId, e);
        }
        try {
            s3.deleteObject(b -> b.bucket(settings.bucket()).key(key));
            return true;
        } catch (SdkException e) {
            throw failure("delete", imageId, e);
        }
    }

    /**
     * Whether the bucket answers (HeadBucket), for a warning at startup.
     *
     * @return empty if it does, else why not (no address, no secret)
     */
    public Optional<String> problem() {
        try {
            s3.headBucket(b -> b.bucket(settings.bucket()));
            return Optional.empty();
        } catch (SdkException e) {
            log.debug("upload store: HeadBucket failed", e);
            return Optional.of(why(e));
        }
    }

    @Override
    public String describe() {
        return "S3 bucket " + settings.bucket() + " (prefix '" + settings.prefix() + "', "
                + (settings.endpoint() == null ? "AWS, region " + settings.region() : "endpoint " + settings.endpoint()) + ")";
    }

    @Override
    public void close() {
        s3.close();
    }

    private String key(String imageId) {
        return settings.prefix() + ImageId.require(imageId);
    }

    /** A 404 for the key, not for the bucket (HeadObject's 404 has no body, so no error code). */
    private static boolean isMissingKey(SdkException e) {
        return e instanceof AwsServiceException aws && aws.statusCode() == 404
                && (aws.awsErrorDetails() == null || !"NoSuchBucket".equals(aws.awsErrorDetails().errorCode()));
    }

    private RuntimeException failure(String action, String imageId, SdkException e) {
        // The SDK's message says enough (status, code, attempts); its stack trace would fill the log at every retry.
        log.warn("upload store: could not {} image {} in {}: {}", action, imageId, describe(), e.getMessage());
        return StoreFailures.unavailable(action, imageId, why(e), e);
    }

    /** What went wrong, in words a client may see: the store's status and error code, or no answer. */
    private static String why(SdkException e) {
        if (e instanceof AwsServiceException aws && aws.awsErrorDetails() != null && aws.awsErrorDetails().errorCode() != null) {
            return "the store answered " + aws.statusCode() + " " + aws.awsErrorDetails().errorCode();
        }
        if (e instanceof SdkServiceException service) {
            return "the store answered " + service.statusCode();
        }
        return "no answer from the store";
    }
}
