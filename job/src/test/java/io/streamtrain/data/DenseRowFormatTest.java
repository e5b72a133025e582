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
                .isEqualTo("dense row of 10 bytes, expected 11 (3 uint8 features, 1 label value) or a message of several "
                        + "such rows");
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

    private static byte[] concat(byte[]... rows) {
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        for (byte[] r : rows) {
            out.writeBytes(r);
        }
        return out.toByteArray();
    }

    @Test
    void aMessageOfSeveralRowsIsParsedRowByRow() {
        byte[] r0 = DenseRowFormat.encode(0, new byte[] {1, 2, 3}, 0, 3);
        byte[] r1 = DenseRowFormat.encode(2, new byte[] {4, 5, 6}, 0, 3);
        byte[] r2 = DenseRowFormat.encode(1, new byte[] {7, 8, (byte) 255}, 0, 3);
        byte[] message = concat(r0, r1, r2);
        assertThat(PIXELS.rowsIn(r0)).isEqualTo(1);
        assertThat(PIXELS.rowsIn(message)).isEqualTo(3);
        float[] x = new float[9];
        float[] y = new float[3];
        for (int r = 0; r < 3; r++) {
            assertThat(PIXELS.parse(message, r, x, 3 * r, y, r)).isNull();
        }
        float s = (float) (1 / 255.0);
        assertThat(x).containsExactly(1 * s, 2 * s, 3 * s, 4 * s, 5 * s, 6 * s, 7 * s, 8 * s, 255 * s);
        assertThat(y).containsExactly(0f, 2f, 1f);
        assertThat(PIXELS.row(message, 1)).isEqualTo(r1);
        assertThat(PIXELS.row(r1, 0)).isSameAs(r1);
        // float rows too, and a regression's targets
        byte[] f = concat(DenseRowFormat.encode(1, new float[] {0.5f, -1f, 2f}, 0, 3),
                DenseRowFormat.encode(2, new float[] {3f, 4f, 5f}, 0, 3));
        assertThat(FLOATS.rowsIn(f)).isEqualTo(2);
        assertThat(FLOATS.parse(f, 1, x, 0, y, 0)).isNull();
        assertThat(Arrays.copyOf(x, 3)).containsExactly(3f, 4f, 5f);
        assertThat(y[0]).isEqualTo(2f);
        byte[] reg = concat(DenseRowFormat.encodeRegression(new float[] {1f, 2f}, new float[] {3f, 4f}, 0, 2),
                DenseRowFormat.encodeRegression(new float[] {5f, 6f}, new float[] {7f, 8f}, 0, 2));
        assertThat(REGRESSION.rowsIn(reg)).isEqualTo(2);
        assertThat(REGRESSION.parse(reg, 1, x, 0, y, 0)).isNull();
        assertThat(Arrays.copyOf(x, 2)).containsExactly(7f, 8f);
        assertThat(Arrays.copyOf(y, 2)).containsExactly(5f, 6f);
    }

    @Test
    void aBadRowInAMessageIsRejectedAloneAndABrokenMessageWhole() {
        byte[] good = DenseRowFormat.encode(0, new byte[] {1, 2, 3}, 0, 3);
        byte[] message = concat(good, DenseRowFormat.encode(7, new byte[] {1, 2, 3}, 0, 3), good);
        float[] x = new float[3];
        float[] y = new float[1];
        assertThat(PIXELS.parse(message, 0, x, 0, y, 0)).isNull();
        assertThat(PIXELS.parse(message, 1, x, 0, y, 0)).isEqualTo("label 7 is not a class index in [0, 3)");
        assertThat(PIXELS.parse(message, 2, x, 0, y, 0)).isNull();
        byte[] typo = message.clone();
        typo[good.length + 1] = 'X';
        assertThat(PIXELS.parse(typo, 1, x, 0, y, 0)).contains("not a dense row");
        // not a whole number of rows: one row, rejected with the lengths it could have had
        byte[] broken = Arrays.copyOf(message, message.length - 1);
        assertThat(PIXELS.rowsIn(broken)).isEqualTo(1);
        assertThat(PIXELS.parse(broken, 0, x, 0, y, 0))
                .isEqualTo("dense row of 32 bytes, expected 11 (3 uint8 features, 1 label value) or a message of several "
                        + "such rows");
        // the text formats hold one row a message
        RowFormat csv = CsvRowFormat.positional(RowSchema.classIndices(3, 3, 1e6, 100));
        assertThat(csv.rowsIn("1,2,3,0".getBytes())).isEqualTo(1);
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
