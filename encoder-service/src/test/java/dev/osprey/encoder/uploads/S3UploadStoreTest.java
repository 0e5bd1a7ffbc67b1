package dev.osprey.encoder.uploads;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.osprey.model.error.OspreyException;
import dev.osprey.model.error.Reason;
import java.net.ServerSocket;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.jclouds.blobstore.domain.Blob;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/** The S3 store against a real S3 server (S3Proxy) on loopback, through the AWS SDK. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class S3UploadStoreTest {

    private static final String BUCKET = "uploads-test";
    private static final String ID = "ab".repeat(32);
    private static final byte[] BYTES = "the bytes of an upload".getBytes();

    private S3Server server;
    private S3UploadStore store;

    @BeforeAll
    void start() throws Exception {
        server = new S3Server(BUCKET);
        store = S3UploadStore.open(server.settings(BUCKET));
    }

    @AfterAll
    void stop() throws Exception {
        store.close();
        server.close();
    }

    @Test
    void anUploadIsOneObjectUnderThePrefixReadBackWholeAndDeleted() {
        String id = "01".repeat(32);
        assertThat(store.problem()).isEmpty();
        store.put(id, BYTES);

        Blob object = server.blobs().getBlob(BUCKET, "uploads/" + id);
        assertThat(object).as("the object under prefix + id").isNotNull();
        assertThat(object.getMetadata().getUserMetadata()).containsKey("sha256");
        try (S3UploadStore another = S3UploadStore.open(server.settings(BUCKET))) {
            assertThat(another.get(id)).hasValueSatisfying(bytes -> assertThat(bytes).isEqualTo(BYTES));
        }
        assertThat(store.delete(id)).isTrue();
        assertThat(store.delete(id)).isFalse();
        assertThat(store.get(id)).isEmpty();
        assertThat(server.blobs().blobExists(BUCKET, "uploads/" + id)).isFalse();
    }

    @Test
    void anObjectThatFailsItsChecksumIsReportedDamagedAndRemoved() {
        store.put(ID, BYTES);
        // Overwritten behind the store's back: other bytes under the checksum of the first, then no checksum at all.
        Map<String, String> checksum = server.blobs().getBlob(BUCKET, "uploads/" + ID).getMetadata().getUserMetadata();
        for (Map<String, String> metadata : List.of(checksum, Map.<String, String>of())) {
            server.blobs().putBlob(BUCKET, server.blobs().blobBuilder("uploads/" + ID).payload("other bytes".getBytes())
                    .userMetadata(metadata).build());
            assertThatThrownBy(() -> store.get(ID)).isInstanceOfSatisfying(OspreyException.class, e -> {
                assertThat(e.reason()).isEqualTo(Reason.NOT_FOUND);
                assertThat(e.getMessage()).contains("damaged", "upload the image again");
            });
            assertThat(server.blobs().blobExists(BUCKET, "uploads/" + ID)).isFalse();
        }
    }

    @Test
    void aMissingBucketIsAnUnavailableUploadStoreNotAMissingImage() {
        try (S3UploadStore noBucket = S3UploadStore.open(server.settings("no-such-bucket"))) {
            assertThat(noBucket.problem()).hasValueSatisfying(problem -> assertThat(problem).contains("404"));
            assertUnavailable(() -> noBucket.get(ID), "NoSuchBucket");
            // A put may lose the store's answer: S3Proxy answers 404 and closes the connection while
            // the body is still being sent, so on a busy machine the client sees no answer instead.
            // Either way it is the store that is unavailable, never a missing image.
            assertUnavailable(() -> noBucket.put(ID, BYTES), ID);
        }
    }

    @Test
    void wrongCredentialsAreAnUnavailableUploadStoreThatNamesNoSecret() {
        S3Settings good = server.settings(BUCKET);
        S3Settings wrong = new S3Settings(good.endpoint(), good.region(), BUCKET, good.prefix(), true, good.accessKey(),
                "not-the-secret", good.timeout());
        try (S3UploadStore denied = S3UploadStore.open(wrong)) {
            assertUnavailable(() -> denied.put(ID, BYTES), "403");
        }
    }

    @Test
    void aStoreThatDoesNotAnswerIsUnavailableAndTheMessageNamesNoAddress() throws Exception {
        int closedPort;
        try (ServerSocket socket = new ServerSocket(0)) {
            closedPort = socket.getLocalPort();
        }
        S3Settings good = server.settings(BUCKET);
        S3Settings down = new S3Settings(URI.create("http://127.0.0.1:" + closedPort), good.region(), BUCKET, good.prefix(), true,
                good.accessKey(), good.secretKey(), Duration.ofSeconds(20));
        try (S3UploadStore unreachable = S3UploadStore.open(down)) {
            for (Runnable call : List.<Runnable>of(() -> unreachable.put(ID, BYTES), () -> unreachable.get(ID), () -> unreachable.delete(ID))) {
                assertUnavailable(call, "no answer from the store");
            }
            assertThat(unreachable.describe()).doesNotContain(S3Server.SECRET_KEY);
        }
    }

    @Test
    void settingsNeedABucketAndBothKeysOrNeitherAndNeverPrintTheSecret() {
        S3Settings good = server.settings(BUCKET);
        assertThat(good.toString()).doesNotContain(S3Server.SECRET_KEY, S3Server.ACCESS_KEY).contains(BUCKET, "static");
        assertThatThrownBy(() -> new S3Settings(null, "us-east-1", " ", "", false, "", "", null))
                .hasMessageContaining("osprey.encoder.uploads.s3.bucket");
        assertThatThrownBy(() -> new S3Settings(null, "us-east-1", BUCKET, "", false, "key", "", null))
                .hasMessageContaining("access-key and secret-key");
    }

    private static void assertUnavailable(Runnable call, String why) {
        assertThatThrownBy(call::run).isInstanceOfSatisfying(OspreyException.class, e -> {
            assertThat(e.reason()).isEqualTo(Reason.UNAVAILABLE);
            assertThat(e.getMessage()).startsWith("upload store unavailable: could not").contains(ID, why)
                    .doesNotContain("127.0.0.1", S3Server.SECRET_KEY, "not-the-secret", "Exception");
        });
    }
}
