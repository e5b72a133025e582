package io.streamtrain.data;

import static org.assertj.core.api.Assertions.assertThat;

import io.streamtrain.testing.BadRowCorpus;
import io.streamtrain.testing.BadRowCorpus.Entry;
import io.streamtrain.testing.BadRowCorpus.Format;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The bad-row corpus itself: enough kinds per format, and rejections for the right reason (a
 * good row of the same schema parses, so each corrupted row fails for what was done to it).
 */
class BadRowCorpusTest {

    /** A good seed row in each format: the corpus rows are this row, damaged. */
    static byte[] goodRow(Format format, String schema) {
        String label = schema.equals("named") ? "pos" : "1";
        switch (format) {
            case CSV:
                return ("0.5,0.5," + label).getBytes(StandardCharsets.UTF_8);
            case JSON:
                return ("{\"x1\": 0.5, \"x2\": 0.5, \"label\": " + (schema.equals("named") ? "\"pos\"" : "1") + "}")
                        .getBytes(StandardCharsets.UTF_8);
            default:
                return DenseRowFormat.encode(1, new float[] {0.5f, 0.5f}, 0, 2);
        }
    }

    @ParameterizedTest
    @EnumSource(Format.class)
    void everyFormatHasTwentyKindsOrMoreEachOnce(Format format) {
        List<Entry> entries = BadRowCorpus.entries(format);
        assertThat(entries.size()).isGreaterThanOrEqualTo(20);
        assertThat(entries).extracting(Entry::kind).doesNotHaveDuplicates();
        assertThat(entries).allSatisfy(e -> assertThat(e.reason()).isNotBlank());
    }

    @ParameterizedTest
    @EnumSource(Format.class)
    void theGoodRowOfEachSchemaParses(Format format) {
        for (String schema : List.of("seed", "named")) {
            float[] x = new float[2];
            float[] y = new float[1];
            assertThat(format.rowFormat(schema).parse(goodRow(format, schema), x, 0, y, 0)).as(schema).isNull();
            assertThat(x).containsExactly(0.5f, 0.5f);
            assertThat(y).containsExactly(1f);
        }
    }

    /** Random bytes and random damage to good rows: a reason or a parsed row, never an exception. */
    @ParameterizedTest
    @EnumSource(Format.class)
    void randomBytesNeverThrow(Format format) {
        Random random = new Random(11);
        RowFormat parser = format.rowFormat("seed");
        byte[] good = goodRow(format, "seed");
        for (int i = 0; i < 20_000; i++) {
            byte[] row;
            if (i % 2 == 0) {
                row = new byte[random.nextInt(40)];
                random.nextBytes(row);
            } else {
                row = good.clone();
                for (int k = 1 + random.nextInt(3); k > 0; k--) {
                    row[random.nextInt(row.length)] = (byte) random.nextInt(256);
                }
            }
            float[] x = new float[2];
            float[] y = new float[1];
            String reason = parser.parse(row, x, 0, y, 0);
            if (reason == null) {
                assertThat(Float.isFinite(x[0]) && Float.isFinite(x[1])).as("features %s", Arrays.toString(x)).isTrue();
                assertThat(y[0]).isIn(0f, 1f);
            } else {
                assertThat(reason).isNotBlank();
            }
        }
    }
}
