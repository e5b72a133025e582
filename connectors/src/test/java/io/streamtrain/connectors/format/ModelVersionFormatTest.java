package io.streamtrain.connectors.format;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.streamtrain.connectors.record.ModelVersion;
import org.junit.jupiter.api.Test;

class ModelVersionFormatTest {

    private static final ModelVersion VERSION = new ModelVersion("seed-ü", 3, 41, true, 100_000, 7,
            1234.5, 99_321, 1_700_000_000_000L, new int[] {0, 5}, new long[] {17, 18}, new double[] {1.5, -0.25, Double.MIN_VALUE, 1e300, 0.1});

    @Test
    void roundTripsEveryField() {
        byte[] bytes = ModelVersionFormat.encode(VERSION);
        assertThat(bytes).hasSize(ModelVersionFormat.encodedSize(VERSION.model(), 2, 5));
        ModelVersion back = ModelVersionFormat.decode(bytes);
        assertThat(back).usingRecursiveComparison().isEqualTo(VERSION);
        assertThat(back.blocksConsumed(5)).isEqualTo(18);
        assertThat(back.blocksConsumed(3)).isZero();
    }

    @Test
    void parametersThatAreAllFloatsTravelAsFloatsAndComeBackBitForBit() {
        double[] p = {1.5, -0.25, (float) 0.1, Float.MIN_VALUE, -0.0, (float) 1e30};
        ModelVersion floats = new ModelVersion("fashion", 0, 3, false, 512, 0, 10.5, 400, 1_700_000_000_000L,
                new int[] {0, 4}, new long[] {3, 3}, p);
        byte[] bytes = ModelVersionFormat.encode(floats);
        assertThat(bytes[5]).as("precision").isEqualTo((byte) 4);
        assertThat(bytes).hasSize(ModelVersionFormat.encodedSize("fashion", 2, p.length) - 4 * p.length);
        ModelVersion back = ModelVersionFormat.decode(bytes);
        assertThat(back).usingRecursiveComparison().isEqualTo(floats);
        for (int i = 0; i < p.length; i++) {
            assertThat(Double.doubleToRawLongBits(back.parameters()[i])).isEqualTo(Double.doubleToRawLongBits(p[i]));
        }
        // one value that is not a float: every parameter as a double, as before
        assertThat(ModelVersionFormat.encode(VERSION)[5]).as("precision").isEqualTo((byte) 8);
    }

    @Test
    void refusesForeignAndTruncatedMessages() {
        assertThatThrownBy(() -> ModelVersionFormat.decode("x1,x2,y".getBytes()))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("magic");
        byte[] bytes = ModelVersionFormat.encode(VERSION);
        byte[] cut = java.util.Arrays.copyOf(bytes, bytes.length - 3);
        assertThatThrownBy(() -> ModelVersionFormat.decode(cut)).hasMessageContaining("parameter count");
        byte[] precision = bytes.clone();
        precision[5] = 2;
        assertThatThrownBy(() -> ModelVersionFormat.decode(precision)).hasMessageContaining("precision 2");
        bytes[4] = 9;
        assertThatThrownBy(() -> ModelVersionFormat.decode(bytes)).hasMessageContaining("format 9");
    }

    @Test
    void ordersByGenerationThenVersion() {
        ModelVersion a = new ModelVersion("m", 1, 100, false, 0, 0, 0, 0, 0, new int[0], new long[0], new double[0]);
        ModelVersion b = new ModelVersion("m", 2, 1, false, 0, 0, 0, 0, 0, new int[0], new long[0], new double[0]);
        assertThat(b.isNewerThan(a)).isTrue();
        assertThat(a.isNewerThan(b)).isFalse();
        assertThat(a.isNewerThan(null)).isTrue();
        assertThat(a.isNewerThan(a)).isFalse();
    }
}
