package io.streamtrain.data;

import static org.assertj.core.api.Assertions.assertThat;

import io.streamtrain.testing.BadRowCorpus;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.MethodSource;

class CsvRowFormatTest {
    private static final CsvRowFormat SEED = CsvRowFormat.positional(RowSchema.classIndices(2, 2, 1e6, 100));

    /** Columns id, x2, label, x1, note: features x1, x2 by name, class names, pixels scaled by 1/255. */
    private static final CsvRowFormat NAMED = new CsvRowFormat(
            new RowSchema(2, 1, 3, List.of("T-shirt/top", "Trouser", "Ankle boot"), 1 / 255.0, 255, 1000),
            new int[] {CsvRowFormat.IGNORED, 1, -1, 0, CsvRowFormat.IGNORED},
            new String[] {"id", "x2", "label", "x1", "note"});

    private static String parse(CsvRowFormat format, String row, float[] x, float[] y) {
        return format.parse(row.getBytes(StandardCharsets.UTF_8), x, 2, y, 1);
    }

    private static String parse(String row, float[] x, float[] y) {
        return parse(SEED, row, x, y);
    }

    @Test
    void parsesIntoTheGivenOffsets() {
        float[] x = new float[4];
        float[] y = new float[2];
        assertThat(parse(" -0.25,1.5e-3 , 1\r\n", x, y)).isNull();
        assertThat(x).containsExactly(0f, 0f, -0.25f, 1.5e-3f);
        assertThat(y).containsExactly(0f, 1f);
    }

    @Test
    void floatTextRoundTripsExactly() {
        float v = 0.1f + 1e-7f;
        float[] x = new float[4];
        float[] y = new float[2];
        assertThat(parse(v + "," + (-v) + ",0", x, y)).isNull();
        assertThat(x[2]).isEqualTo(v);
        assertThat(x[3]).isEqualTo(-v);
    }

    @Test
    void integersTakeTheDigitLoopAndEqualTheGeneralParser() {
        CsvRowFormat wide = CsvRowFormat.positional(RowSchema.classIndices(2, 2, 1e10, 100));
        float[] x = new float[4];
        float[] y = new float[2];
        assertThat(parse(wide, "-123456789,0,1", x, y)).isNull();
        assertThat(x[2]).isEqualTo(-123456789f);
        assertThat(x[3]).isEqualTo(0f);
        // ten digits leave the digit loop for FastDoubleParser
        assertThat(parse(wide, "1234567890,-0,0", x, y)).isNull();
        assertThat(x[2]).isEqualTo(1234567890f);
        assertThat(CsvRowFormat.number("255".getBytes(StandardCharsets.US_ASCII), 0, 3)).isEqualTo(255.0);
        assertThat(CsvRowFormat.number(" 7 ".getBytes(StandardCharsets.US_ASCII), 0, 3)).isEqualTo(7.0);
    }

    @Test
    void columnsByNameWithClassNamesAndAFeatureScale() {
        float[] x = new float[4];
        float[] y = new float[2];
        assertThat(parse(NAMED, "17,255,\"Ankle boot\",51,\"free text, with a comma\"", x, y)).isNull();
        assertThat(x[2]).isEqualTo((float) (51 / 255.0));
        assertThat(x[3]).isEqualTo(1f);
        assertThat(y[1]).isEqualTo(2f);
        assertThat(parse(NAMED, "18,0,Trouser,0,", x, y)).isNull();
        assertThat(y[1]).isEqualTo(1f);
        assertThat(parse(NAMED, "19,0, T-shirt/top ,0,x", x, y)).isNull();
        assertThat(y[1]).isEqualTo(0f);
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "1,2,Sneaker,3,n|label 'Sneaker' is not one of data.classes [T-shirt/top, Trouser, Ankle boot]",
        "1,2,1,3,n|label '1' is not one of data.classes",
        "1,x,Trouser,3,n|column 'x2' (field 2) 'x' is not a number",
        "1,256,Trouser,3,n|column 'x2' (field 2) = 256.0 is beyond data.max-abs-value=255.0",
        "1,2,Trouser,3|expected 5 fields (2 features, 1 label, others ignored), got 4",
        "1,2,Trouser,3,n,6|got more",
        "1,\"2,Trouser,3,n|column 'x2' (field 2): the quote is not closed",
        "1,\"2\"x,Trouser,3,n|column 'x2' (field 2): text after the closing quote",
        "1,2,Trouser,,n|column 'x1' (field 4) is empty",
    })
    void namedColumnsRejectWithTheColumnName(String row, String reason) {
        assertThat(parse(NAMED, row, new float[4], new float[2])).contains(reason);
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "''|empty row",
        "1,2|expected 3 fields",
        "1,2,1,4|got more",
        "1,2,1,|got more",
        "abc,2,1|field 1 'abc' is not a number",
        "1,NaN,1|field 2 'NaN' is not a finite number",
        "1,Infinity,1|field 2 'Infinity' is not a finite number",
        "1,2e7,1|data.max-abs-value",
        "1,2,2|not a class index in [0, 2)",
        "1,2,0.5|not a class index",
        "1,2,-1|not a class index",
        "1,,1|field 2 is empty",
        "1,2,|label is empty",
    })
    void rejectsWithAReason(String row, String reason) {
        assertThat(parse(row, new float[4], new float[2])).contains(reason);
    }

    @Test
    void rejectsBinaryAndOversizedRows() {
        byte[] garbage = {(byte) 0xff, 0x00, 0x12, ','};
        assertThat(SEED.parse(garbage, new float[2], 0, new float[1], 0)).contains("byte 0xff at position 0 is not text");
        byte[] control = {'1', 0x00, ',', '2', ',', '1'};
        assertThat(SEED.parse(control, new float[2], 0, new float[1], 0)).contains("byte 0x0 at position 1");
        byte[] big = new byte[101];
        assertThat(SEED.parse(big, new float[2], 0, new float[1], 0)).contains("data.max-row-bytes=100");
    }

    @Test
    void regressionLabelsAreNumbers() {
        CsvRowFormat regression = CsvRowFormat.positional(new RowSchema(1, 2, 0, List.of(), 1, 100, 100));
        float[] x = new float[1];
        float[] y = new float[2];
        assertThat(regression.parse("3,-1.5,2.5".getBytes(StandardCharsets.US_ASCII), x, 0, y, 0)).isNull();
        assertThat(y).containsExactly(-1.5f, 2.5f);
        assertThat(regression.parse("3,-1.5,200".getBytes(StandardCharsets.US_ASCII), x, 0, y, 0))
                .contains("label = 200.0 is beyond data.max-abs-value=100.0");
    }

    static List<BadRowCorpus.Entry> corpus() {
        return BadRowCorpus.entries(BadRowCorpus.Format.CSV);
    }

    /** Every row of the bad-row corpus (src/test/resources/bad-rows) is rejected with its reason. */
    @ParameterizedTest(name = "{0}")
    @MethodSource("corpus")
    void rejectsEveryCorpusRowWithItsReason(BadRowCorpus.Entry bad) {
        RowFormat format = BadRowCorpus.Format.CSV.rowFormat(bad.schema());
        assertThat(format.parse(bad.row(), new float[4], 2, new float[2], 1)).contains(bad.reason());
    }
}
