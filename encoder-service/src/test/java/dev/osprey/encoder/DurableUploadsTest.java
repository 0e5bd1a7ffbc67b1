package dev.osprey.encoder;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.ByteString;
import dev.osprey.encoder.features.StoreLimits;
import dev.osprey.encoder.uploads.LocalUploadStore;
import dev.osprey.encoder.uploads.S3Server;
import dev.osprey.encoder.uploads.S3Settings;
import dev.osprey.encoder.uploads.S3UploadStore;
import dev.osprey.encoder.vision.EmbeddedVisionBackend;
import dev.osprey.internal.v1.EncodeRequest;
import dev.osprey.internal.v1.EncoderGrpc;
import dev.osprey.internal.v1.ForgetRequest;
import dev.osprey.internal.v1.GetFeaturesRequest;
import dev.osprey.internal.v1.GetImageRequest;
import dev.osprey.internal.v1.GetImageTokensRequest;
import dev.osprey.model.TinyBundle;
import dev.osprey.model.vision.OnnxVisionTower;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Uploads outlive an encoder and are shared by encoders on one store: a new encoder over the same
 * directory or bucket answers questions about images uploaded to the old one, re-encoding them from
 * the stored bytes; a store that does not answer fails the upload loudly.
 */
class DurableUploadsTest {

    private static final StoreLimits LIMITS = new StoreLimits(64L << 20, 64L << 20, Duration.ofMinutes(30));

    private final EmbeddedVisionBackend tower = new EmbeddedVisionBackend(OnnxVisionTower.open(TinyBundle.open().visionModel(), 1));

    @TempDir
    Path uploadDir;

    @AfterEach
    void close() {
        tower.close();
    }

    @Test
    void aRestartedEncoderOverTheSameDirectoryAnswersForImagesUploadedBefore() {
        byte[] image = GoldenImages.bytes("s1_img1");
        String id;
        try (InProcessEncoder before = new InProcessEncoder(tower, new LocalUploadStore(uploadDir), LIMITS, System::nanoTime)) {
            id = before.stub().encode(request(image)).getImageId();
        }

        try (InProcessEncoder after = new InProcessEncoder(tower, new LocalUploadStore(uploadDir), LIMITS, System::nanoTime)) {
            EncoderGrpc.EncoderBlockingStub stub = after.stub();
            GoldenImages.assertGolden("s1_img1", stub.getFeatures(GetFeaturesRequest.newBuilder().setImageId(id).build()),
                    stub.getImageTokens(GetImageTokensRequest.newBuilder().setImageId(id).build()));
            assertThat(tower.runs()).as("the upload, then one re-encode from the stored bytes").isEqualTo(2);
        }
    }

    @Test
    void twoEncodersOnOneBucketSeeEachOthersUploadsAndDeletes() throws Exception {
        try (S3Server s3 = new S3Server("shared");
                S3UploadStore storeA = S3UploadStore.open(s3.settings("shared"));
                S3UploadStore storeB = S3UploadStore.open(s3.settings("shared"));
                InProcessEncoder a = new InProcessEncoder(tower, storeA, LIMITS, System::nanoTime);
                InProcessEncoder b = new InProcessEncoder(tower, storeB, LIMITS, System::nanoTime)) {
            byte[] image = GoldenImages.bytes("s1_img0");
            String id = a.stub().encode(request(image)).getImageId();

            EncoderGrpc.EncoderBlockingStub stub = b.stub();
            assertThat(stub.getImage(GetImageRequest.newBuilder().setImageId(id).build()).getImage().toByteArray()).isEqualTo(image);
            GoldenImages.assertGolden("s1_img0", stub.getFeatures(GetFeaturesRequest.newBuilder().setImageId(id).build()),
                    stub.getImageTokens(GetImageTokensRequest.newBuilder().setImageId(id).build()));

            assertThat(stub.forget(ForgetRequest.newBuilder().setImageId(id).build()).getForgotten()).isTrue();
            assertThat(s3.blobs().blobExists("shared", "uploads/" + id)).isFalse();
        }
    }

    @Test
    void anUploadTheStoreCannotKeepIsUnavailableNamingTheUploadStoreAndNoAddress() throws Exception {
        int closedPort;
        try (ServerSocket socket = new ServerSocket(0)) {
            closedPort = socket.getLocalPort();
        }
        S3Settings down = new S3Settings(URI.create("http://127.0.0.1:" + closedPort), "us-east-1", "uploads", "", true,
                S3Server.ACCESS_KEY, S3Server.SECRET_KEY, Duration.ofSeconds(20));
        try (S3UploadStore store = S3UploadStore.open(down);
                InProcessEncoder encoder = new InProcessEncoder(tower, store, LIMITS, System::nanoTime)) {
            assertThatThrownBy(() -> encoder.stub().encode(request(GoldenImages.bytes("s1_img2"))))
                    .isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
                        assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.UNAVAILABLE);
                        assertThat(e.getStatus().getDescription()).startsWith("upload store unavailable: could not store image")
                                .doesNotContain("127.0.0.1", String.valueOf(closedPort), S3Server.SECRET_KEY);
                    });
            assertThat(encoder.store.uploads().size()).as("not held as if it were stored").isZero();
        }
    }

    private static EncodeRequest request(byte[] image) {
        return EncodeRequest.newBuilder().setImage(ByteString.copyFrom(image)).build();
    }
}
