package io.streamtrain.data;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class CsvRowFormatTest {
    private static final CsvRowFormat SEED = new CsvRowFormat(2, 1, 2, 1e6, 100);

    private static String parse(String row, float[] x, float[] y) {
        return SEED.parse(row.getBytes(StandardCharsets.ISO_8859_1), x, 2, y, 1);
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

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "''|empty row",
        "1,2|expected 3 fields",
        "1,2,1,4|got more",
        "abc,2,1|field 1 'abc' is not a number",
        "1,NaN,1|field 2 is NaN",
        "1,Infinity,1|field 2 is Infinity",
        "1,2e7,1|data.max-abs-value",
        "1,2,2|not a class index in [0, 2)",
        "1,2,0.5|not a class index",
        "1,2,-1|not a class index",
        "1,,1|field 2 '' is not a number",
    })
    void rejectsWithAReason(String row, String reason) {
        assertThat(parse(row, new float[4], new float[2])).contains(reason);
    }

    @Test
    void rejectsBinaryAndOversizedRows() {
        byte[] garbage = {(byte) 0xff, 0x00, 0x12, ','};
        assertThat(SEED.parse(garbage, new float[2], 0, new float[1], 0)).contains("byte 0xff at position 0");
        byte[] big = new byte[101];
        assertThat(SEED.parse(big, new float[2], 0, new float[1], 0)).contains("data.max-row-bytes=100");
    }
}
