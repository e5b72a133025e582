package io.streamtrain.data;

import static org.assertj.core.api.Assertions.assertThat;

import io.streamtrain.testing.BadRowCorpus;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

class DenseRowFormatTest {
    /** Three 8-bit or float features, three classes, pixels scaled by 1/255. */
    private static final DenseRowFormat PIXELS = new DenseRowFormat(new RowSchema(3, 1, 3, List.of(), 1 / 255.0, 255, 100));
    private static final DenseRowFormat FLOATS = new DenseRowFormat(new RowSchema(3, 1, 3, List.of(), 1.0, 1e6, 100));
    private static final DenseRowFormat REGRESSION = new DenseRowFormat(new RowSchema(2, 2, 0, List.of(), 1.0, 1e6, 100));

    private static String parse(DenseRowFormat format, byte[] row, float[] x, float[] y) {
        return format.parse(row, x, 1, y, 1);
    }

    @Test
    void eightBitFeaturesAreScaledIntoTheGivenOffsets() {
        byte[] row = DenseRowFormat.encode(2, new byte[] {0, (byte) 255, (byte) 128}, 0, 3);
        assertThat(row).hasSize(4 + 4 + 3);
        assertThat(Arrays.copyOf(row, 8)).containsExactly('S', 'D', 1, 1, 2, 0, 0, 0);
        float[] x = new float[4];
        float[] y = new float[2];
        assertThat(parse(PIXELS, row, x, y)).isNull();
        assertThat(x).containsExactly(0f, 0f, 255 * (float) (1 / 255.0), 128 * (float) (1 / 255.0));
        assertThat(y).containsExactly(0f, 2f);
    }

    @Test
    void floatFeaturesRoundTripBitForBit() {
        float[] values = {-0.25f, 1.5e-3f, 0.1f + 1e-7f};
        float[] x = new float[4];
        float[] y = new float[2];
        assertThat(parse(FLOATS, DenseRowFormat.encode(1, values, 0, 3), x, y)).isNull();
        assertThat(Arrays.copyOfRange(x, 1, 4)).containsExactly(values);
        assertThat(y[1]).isEqualTo(1f);
    }

    @Test
    void regressionTargetsComeFirst() {
        float[] x = new float[3];
        float[] y = new float[3];
        byte[] row = DenseRowFormat.encodeRegression(new float[] {3.5f, -1f}, new float[] {7f, 8f}, 0, 2);
        assertThat(parse(REGRESSION, row, x, y)).isNull();
        assertThat(x).containsExactly(0f, 7f, 8f);
        assertThat(y).containsExactly(0f, 3.5f, -1f);
    }

    @Test
    void rejectsWhatDoesNotFitWithAReason() {
        byte[] good = DenseRowFormat.encode(1, new byte[] {1, 2, 3}, 0, 3);
        float[] x = new float[4];
        float[] y = new float[2];
        assertThat(parse(PIXELS, new byte[0], x, y)).contains("not a dense row");
        assertThat(parse(PIXELS, "1,2,3,1".getBytes(), x, y)).contains("not a dense row");
        byte[] version = good.clone();
        version[2] = 2;
        assertThat(parse(PIXELS, version, x, y)).contains("version 2 is not supported");
        byte[] type = good.clone();
        type[3] = 3;
        assertThat(parse(PIXELS, type, x, y)).contains("feature type 3");
        assertThat(parse(PIXELS, Arrays.copyOf(good, good.length - 1), x, y))
                .isEqualTo("dense row of 10 bytes, expected 11 (3 uint8 features, 1 label value)");
        assertThat(parse(PIXELS, Arrays.copyOf(good, good.length + 1), x, y)).contains("expected 11");
        assertThat(parse(PIXELS, DenseRowFormat.encode(3, new byte[] {1, 2, 3}, 0, 3), x, y))
                .isEqualTo("label 3 is not a class index in [0, 3)");
        assertThat(parse(PIXELS, DenseRowFormat.encode(-1, new byte[] {1, 2, 3}, 0, 3), x, y))
                .isEqualTo("label -1 is not a class index in [0, 3)");
        assertThat(parse(FLOATS, DenseRowFormat.encode(0, new float[] {1, Float.NaN, 3}, 0, 3), x, y))
                .isEqualTo("feature 2 = NaN is not finite");
        assertThat(parse(FLOATS, DenseRowFormat.encode(0, new float[] {1, 2, Float.NEGATIVE_INFINITY}, 0, 3), x, y))
                .isEqualTo("feature 3 = -Infinity is not finite");
        assertThat(parse(FLOATS, DenseRowFormat.encode(0, new float[] {2e6f, 2, 3}, 0, 3), x, y))
                .isEqualTo("feature 1 = 2000000.0 is beyond data.max-abs-value=1000000.0");
        DenseRowFormat small = new DenseRowFormat(new RowSchema(3, 1, 3, List.of(), 1.0, 100, 100));
        assertThat(small.parse(DenseRowFormat.encode(0, new byte[] {1, (byte) 200, 3}, 0, 3), x, 0, y, 0))
                .isEqualTo("feature 2 = 200 is beyond data.max-abs-value=100.0");
        DenseRowFormat tiny = new DenseRowFormat(new RowSchema(3, 1, 3, List.of(), 1.0, 255, 8));
        assertThat(tiny.parse(good, x, 0, y, 0)).isEqualTo("row of 11 bytes exceeds data.max-row-bytes=8");
    }

    static List<BadRowCorpus.Entry> corpus() {
        return BadRowCorpus.entries(BadRowCorpus.Format.DENSE);
    }

    /** Every row of the bad-row corpus (src/test/resources/bad-rows) is rejected with its reason. */
    @ParameterizedTest(name = "{0}")
    @MethodSource("corpus")
    void rejectsEveryCorpusRowWithItsReason(BadRowCorpus.Entry bad) {
        RowFormat format = BadRowCorpus.Format.DENSE.rowFormat(bad.schema());
        assertThat(format.parse(bad.row(), new float[4], 2, new float[2], 1)).contains(bad.reason());
    }
}
