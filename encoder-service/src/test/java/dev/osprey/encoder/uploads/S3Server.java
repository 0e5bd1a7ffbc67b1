package dev.osprey.encoder.uploads;

import java.net.URI;
import java.time.Duration;
import org.awaitility.Awaitility;
import org.gaul.s3proxy.AuthenticationType;
import org.gaul.s3proxy.S3Proxy;
import org.jclouds.ContextBuilder;
import org.jclouds.blobstore.BlobStore;
import org.jclouds.blobstore.BlobStoreContext;
import org.jclouds.blobstore.TransientApiMetadata;

/**
 * A real S3 server for tests: S3Proxy on a free loopback port, over jclouds' in-memory blob store,
 * checking AWS signatures (V2 or V4) against one access key. Lives as long as the test keeps it.
 */
public final class S3Server implements AutoCloseable {

    public static final String ACCESS_KEY = "osprey-test-access";
    public static final String SECRET_KEY = "osprey-test-secret-key";

    private final BlobStoreContext blobs;
    private final S3Proxy proxy;

    /** Starts the server with the buckets {@code buckets} (empty). */
    public S3Server(String... buckets) throws Exception {
        // By its metadata rather than its name: a lookup by name loads every provider S3Proxy registers (Azure's among them).
        blobs = ContextBuilder.newBuilder(new TransientApiMetadata()).credentials("identity", "credential").build(BlobStoreContext.class);
        for (String bucket : buckets) {
            blobs.getBlobStore().createContainerInLocation(null, bucket);
        }
        proxy = S3Proxy.builder().blobStore(blobs.getBlobStore()).endpoint(URI.create("http://127.0.0.1:0"))
                .awsAuthentication(AuthenticationType.AWS_V2_OR_V4, ACCESS_KEY, SECRET_KEY).build();
        proxy.start();
        Awaitility.await("S3Proxy started").atMost(Duration.ofSeconds(60)).until(() -> proxy.getState().equals("STARTED"));
    }

    /** The server's URL, {@code http://127.0.0.1:port}. */
    public URI endpoint() {
        return URI.create("http://127.0.0.1:" + proxy.getPort());
    }

    /** Settings for a store in {@code bucket} on this server (path-style, static keys). */
    public S3Settings settings(String bucket) {
        return new S3Settings(endpoint(), "us-east-1", bucket, "uploads/", true, ACCESS_KEY, SECRET_KEY, Duration.ofSeconds(60));
    }

    /** The blob store behind the server, to look at or damage what the S3 API stored. */
    public BlobStore blobs() {
        return blobs.getBlobStore();
    }

    @Override
    public void close() throws Exception {
        proxy.stop();
        blobs.close();
    }
}
