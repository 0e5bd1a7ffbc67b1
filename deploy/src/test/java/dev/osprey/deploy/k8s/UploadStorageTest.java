package dev.osprey.deploy.k8s;

import static org.assertj.core.api.Assertions.assertThat;

import dev.osprey.deploy.Repo;
import dev.osprey.deploy.Tree;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The encoders keep uploads in one S3 bucket, named in their ConfigMap, with keys from a Secret (or none, for IAM roles). */
class UploadStorageTest {

    @ParameterizedTest
    @ValueSource(strings = {"cpu", "gpu"})
    void encodersStoreUploadsInABucketWithKeysFromAnOptionalSecret(String overlay) {
        Rendered rendered = Rendered.of(overlay);
        Map<String, Object> encoder = Rendered.container(rendered.get("Deployment", "encoder-service"));
        assertThat(rendered.env(encoder, "OSPREY_ENCODER_UPLOADS_BACKEND")).contains("s3");
        assertThat(rendered.env(encoder, "OSPREY_ENCODER_UPLOADS_S3_BUCKET")).hasValueSatisfying(b -> assertThat(b).isNotBlank());
        assertThat(rendered.env(encoder, "OSPREY_ENCODER_UPLOADS_S3_PREFIX"))
                .contains(Repo.serviceProperties("encoder-service").getProperty("osprey.encoder.uploads.s3.prefix"));
        for (String key : List.of("ACCESSKEY", "SECRETKEY")) {
            String variable = "OSPREY_ENCODER_UPLOADS_S3_" + key;
            assertThat(rendered.env(encoder, variable)).as(variable + " is no literal").isEmpty();
            assertThat(Tree.maps(encoder, "env")).as(variable).anySatisfy(e -> {
                assertThat(e.get("name")).isEqualTo(variable);
                assertThat(Tree.string(e, "valueFrom", "secretKeyRef", "name")).isEqualTo("encoder-uploads-s3");
                assertThat(Tree.at(e, "valueFrom", "secretKeyRef", "optional")).isEqualTo(true);
            });
        }
        assertThat(Tree.map(rendered.get("Secret", "encoder-uploads-s3"), "stringData")).as("placeholders only")
                .containsOnlyKeys("access-key", "secret-key").allSatisfy((k, v) -> assertThat(v).isEqualTo("replace-me"));
    }
}
