package dev.osprey.model.vision;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import org.junit.jupiter.api.Test;

class FeatureAgreementTest {

    @Test
    void identicalFeaturesHaveCosineOneAndNoError() {
        FeatureAgreement same = FeatureAgreement.of("res2", new float[] {1, -2, 3}, new float[] {1, -2, 3});
        assertThat(same.cosine()).isCloseTo(1, within(1e-12));
        assertThat(same.relativeError()).isZero();
    }

    @Test
    void aScaledCopyKeepsTheCosineAndErrsByTheScale() {
        FeatureAgreement scaled = FeatureAgreement.of("res3", new float[] {1.01f, -2.02f, 3.03f}, new float[] {1, -2, 3});
        assertThat(scaled.cosine()).isCloseTo(1, within(1e-7));
        assertThat(scaled.relativeError()).isCloseTo(0.01, within(1e-6));
    }

    @Test
    void orthogonalFeaturesHaveCosineZero() {
        FeatureAgreement orthogonal = FeatureAgreement.of("res4", new float[] {0, 3}, new float[] {4, 0});
        assertThat(orthogonal.cosine()).isZero();
        // ||(-4, 3)|| / ||(4, 0)|| = 5 / 4.
        assertThat(orthogonal.relativeError()).isCloseTo(1.25, within(1e-12));
        assertThat(orthogonal).hasToString("res4 cosine 0.000000, relative error 125.00 %");
    }

    @Test
    void zeroReferenceIsExactOnlyWhenBothAreZero() {
        assertThat(FeatureAgreement.of("res5", new float[2], new float[2])).isEqualTo(new FeatureAgreement("res5", 1, 0));
        assertThat(FeatureAgreement.of("res5", new float[] {1, 0}, new float[2]).relativeError()).isInfinite();
    }
}
