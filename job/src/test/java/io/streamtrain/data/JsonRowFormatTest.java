package io.streamtrain.data;

import static org.assertj.core.api.Assertions.assertThat;

import io.streamtrain.testing.BadRowCorpus;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.MethodSource;

class JsonRowFormatTest {
    private static final RowSchema TWO_CLASSES = new RowSchema(2, 1, 2, List.of(), 1.0, 1000, 200);
    private static final JsonRowFormat FIELDS = new JsonRowFormat(TWO_CLASSES, new String[] {"x1", "x2"}, null,
            new String[] {"y"});
    private static final JsonRowFormat ARRAY = new JsonRowFormat(
            new RowSchema(3, 1, 3, List.of("cat", "dog", "émeu"), 0.5, 1000, 200), null, "pixels",
            new String[] {"label"});

    private static String parse(JsonRowFormat format, String row, float[] x, float[] y) {
        return format.parse(row.getBytes(StandardCharsets.UTF_8), x, 1, y, 1);
    }

    @Test
    void namedFieldsInConfiguredOrderOthersSkipped() {
        float[] x = new float[3];
        float[] y = new float[2];
        String row = "{\"id\": \"a\", \"x2\": -2.5, \"meta\": {\"x1\": 99, \"list\": [1, 2]}, \"x1\": 1e-3, \"y\": 1}";
        assertThat(parse(FIELDS, row, x, y)).isNull();
        assertThat(x).containsExactly(0f, 1e-3f, -2.5f);
        assertThat(y).containsExactly(0f, 1f);
        // the parser is reused row after row
        assertThat(parse(FIELDS, "{\"x1\": 4, \"x2\": 5, \"y\": 0}", x, y)).isNull();
        assertThat(x).containsExactly(0f, 4f, 5f);
        assertThat(y[1]).isEqualTo(0f);
    }

    @Test
    void featureArrayWithScaleAndClassNames() {
        float[] x = new float[4];
        float[] y = new float[2];
        assertThat(parse(ARRAY, "{\"label\": \"émeu\", \"pixels\": [2, 4, 255]}", x, y)).isNull();
        assertThat(x).containsExactly(0f, 1f, 2f, 127.5f);
        assertThat(y[1]).isEqualTo(2f);
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "''|empty row",
        "[1, 2]|not a JSON object: the row is an array",
        "{\"x1\": 1, \"x2\": 2}|field 'y' is missing",
        "{\"x2\": 2, \"y\": 1}|field 'x1' is missing",
        "{\"x1\": 1, \"x1\": 3, \"x2\": 2, \"y\": 1}|field 'x1' appears twice",
        "{\"x1\": \"1\", \"x2\": 2, \"y\": 1}|field 'x1' is a string, not a number",
        "{\"x1\": null, \"x2\": 2, \"y\": 1}|field 'x1' is null, not a number",
        "{\"x1\": [1], \"x2\": 2, \"y\": 1}|field 'x1' is an array, not a number",
        "{\"x1\": 1, \"x2\": 2e4, \"y\": 1}|field 'x2' = 20000.0 is beyond data.max-abs-value=1000.0",
        "{\"x1\": 1, \"x2\": 1e400, \"y\": 1}|field 'x2' = 1e400 is not a finite number",
        "{\"x1\": 1, \"x2\": NaN, \"y\": 1}|not valid JSON: Non-standard token 'NaN'",
        "{\"x1\": 1, \"x2\": 2, \"y\": 2}|label 2 is not a class index in [0, 2)",
        "{\"x1\": 1, \"x2\": 2, \"y\": 0.5}|label 0.5 is not a class index",
        "{\"x1\": 1, \"x2\": 2, \"y\": \"1\"}|label 'y' is a string, not a class index",
        "{\"x1\": 1, \"x2\": 2, \"y\": 1|not valid JSON: Unexpected end-of-input",
        "{\"x1\": 1, \"x2\": 2, \"y\": 1} {}|text after the JSON object",
        "{\"x1\": 1 \"x2\": 2, \"y\": 1}|not valid JSON: Unexpected character",
    })
    void rejectsWithAReason(String row, String reason) {
        assertThat(parse(FIELDS, row, new float[3], new float[2])).contains(reason);
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "{\"pixels\": [1, 2], \"label\": \"cat\"}|field 'pixels' has 2 numbers, expected 3",
        "{\"pixels\": [1, 2, 3, 4], \"label\": \"cat\"}|field 'pixels' has more than 3 numbers",
        "{\"pixels\": [1, true, 3], \"label\": \"cat\"}|field 'pixels[1]' is a boolean, not a number",
        "{\"pixels\": 3, \"label\": \"cat\"}|field 'pixels' is a number, not an array of 3 numbers",
        "{\"pixels\": [1, 2, 3], \"label\": \"cow\"}|label 'cow' is not one of data.classes [cat, dog, émeu]",
        "{\"pixels\": [1, 2, 3], \"label\": 1}|label 'label' is a number, not one of data.classes",
    })
    void arrayAndClassNameRejections(String row, String reason) {
        String result = parse(ARRAY, row, new float[4], new float[2]);
        assertThat(result).contains(reason);
    }

    @Test
    void rejectsOversizedAndBinaryRows() {
        assertThat(FIELDS.parse(new byte[201], new float[2], 0, new float[1], 0))
                .isEqualTo("row of 201 bytes exceeds data.max-row-bytes=200");
        byte[] garbage = {(byte) 0xff, (byte) 0xfe, 0x00, '{'};
        assertThat(FIELDS.parse(garbage, new float[2], 0, new float[1], 0)).startsWith("not valid JSON");
    }

    @Test
    void regressionTargetsFromAnArrayField() {
        JsonRowFormat regression = new JsonRowFormat(new RowSchema(1, 2, 0, List.of(), 1.0, 10, 200),
                new String[] {"x"}, null, new String[] {"t"});
        float[] x = new float[1];
        float[] y = new float[2];
        assertThat(regression.parse("{\"x\": 1, \"t\": [0.5, -2]}".getBytes(StandardCharsets.UTF_8), x, 0, y, 0))
                .isNull();
        assertThat(y).containsExactly(0.5f, -2f);
        assertThat(regression.parse("{\"x\": 1, \"t\": [0.5]}".getBytes(StandardCharsets.UTF_8), x, 0, y, 0))
                .isEqualTo("label 't' has 1 numbers, expected 2");
    }

    static List<BadRowCorpus.Entry> corpus() {
        return BadRowCorpus.entries(BadRowCorpus.Format.JSON);
    }

    /** Every row of the bad-row corpus (src/test/resources/bad-rows) is rejected with its reason. */
    @ParameterizedTest(name = "{0}")
    @MethodSource("corpus")
    void rejectsEveryCorpusRowWithItsReason(BadRowCorpus.Entry bad) {
        RowFormat format = BadRowCorpus.Format.JSON.rowFormat(bad.schema());
        assertThat(format.parse(bad.row(), new float[4], 2, new float[2], 1)).contains(bad.reason());
    }
}
