package io.streamtrain.job;

import static org.assertj.core.api.Assertions.assertThat;

import io.streamtrain.connectors.record.DeadLetter;
import io.streamtrain.connectors.record.RawRow;
import io.streamtrain.data.RowFormat;
import io.streamtrain.testing.BadRowCorpus;
import io.streamtrain.testing.BadRowCorpus.Entry;
import io.streamtrain.testing.BadRowCorpus.Format;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.streaming.util.OneInputStreamOperatorTestHarness;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** The row parser operator: bad rows become dead letters with their bytes and position, good rows blocks. */
class BlockRowsTest {
    private static final int BATCH = 4;

    private static byte[] good(Format format, int i) {
        float x1 = 0.25f * (i % 7) - 0.5f;
        float x2 = -0.125f * (i % 5);
        int label = x1 + x2 > 0 ? 1 : 0;
        switch (format) {
            case CSV:
                return (x1 + "," + x2 + "," + label).getBytes(StandardCharsets.UTF_8);
            case JSON:
                return ("{\"x1\": " + x1 + ", \"x2\": " + x2 + ", \"label\": " + label + "}")
                        .getBytes(StandardCharsets.UTF_8);
            default:
                return io.streamtrain.data.DenseRowFormat.encode(label, new float[] {x1, x2}, 0, 2);
        }
    }

    private static OneInputStreamOperatorTestHarness<RawRow, RowBlock> harness(RowFormat format) throws Exception {
        var h = new OneInputStreamOperatorTestHarness<>(new BlockRows(format, BATCH, 0, new int[] {3}));
        h.open();
        return h;
    }

    /** Every corpus row between good rows: each bad one is a dead letter, byte for byte, and is counted. */
    @ParameterizedTest
    @EnumSource(Format.class)
    void everyCorpusRowIsADeadLetterWithItsBytesPositionAndReason(Format format) throws Exception {
        List<Entry> bad = BadRowCorpus.entries(format, "seed");
        var h = harness(format.rowFormat("seed"));
        List<RawRow> sent = new ArrayList<>();
        int goodRows = 0;
        long offset = 0;
        for (Entry e : bad) {
            for (int k = 0; k < 3; k++) {
                sent.add(new RawRow(good(format, goodRows++), "rows", 1, offset++));
            }
            sent.add(new RawRow(e.row(), "rows", 1, offset++));
        }
        for (RawRow r : sent) {
            h.processElement(new StreamRecord<>(r));
        }
        h.endInput();

        List<DeadLetter> letters = h.getSideOutput(BlockRows.DEAD_LETTERS).stream().map(StreamRecord::getValue).toList();
        assertThat(letters).hasSize(bad.size());
        Map<Long, DeadLetter> byOffset = letters.stream().collect(Collectors.toMap(DeadLetter::offset, Function.identity()));
        for (int i = 0; i < bad.size(); i++) {
            DeadLetter letter = byOffset.get(4L * i + 3);
            assertThat(letter).as(bad.get(i).kind()).isNotNull();
            assertThat(letter.value()).as(bad.get(i).kind()).isEqualTo(bad.get(i).row());
            assertThat(letter.reason()).as(bad.get(i).kind()).contains(bad.get(i).reason());
            assertThat(letter.topic()).isEqualTo("rows");
            assertThat(letter.partition()).isEqualTo(1);
        }
        List<RowBlock> blocks = h.extractOutputValues();
        assertThat(blocks.stream().filter(b -> !b.endOfInput()).mapToInt(RowBlock::rows).sum()).isEqualTo(goodRows);
        assertThat(blocks.stream().mapToInt(RowBlock::rejected).sum()).isEqualTo(bad.size());
        for (RowBlock b : blocks) {
            for (float v : b.features()) {
                assertThat(Float.isFinite(v)).isTrue();
            }
        }
        h.close();
    }

    @Test
    void aParserThatThrowsSendsTheRowToTheDeadLettersInsteadOfFailing() throws Exception {
        RowFormat seed = Format.CSV.rowFormat("seed");
        RowFormat throwing = new RowFormat() {
            @Override
            public int features() {
                return 2;
            }

            @Override
            public int labelWidth() {
                return 1;
            }

            @Override
            public String parse(byte[] row, float[] x, int xOffset, float[] y, int yOffset) {
                if (row.length > 0 && row[0] == '!') {
                    throw new IllegalStateException("a parser bug");
                }
                return seed.parse(row, x, xOffset, y, yOffset);
            }
        };
        var h = harness(throwing);
        h.processElement(new StreamRecord<>(new RawRow("0.5,0.5,1".getBytes(StandardCharsets.UTF_8), "rows", 0, 0)));
        h.processElement(new StreamRecord<>(new RawRow("!,0.5,1".getBytes(StandardCharsets.UTF_8), "rows", 0, 1)));
        h.endInput();
        List<DeadLetter> letters = h.getSideOutput(BlockRows.DEAD_LETTERS).stream().map(StreamRecord::getValue).toList();
        assertThat(letters).singleElement().satisfies(l -> {
            assertThat(l.offset()).isEqualTo(1);
            assertThat(l.reason()).isEqualTo("the row parser failed on this row: java.lang.IllegalStateException: a parser bug");
        });
        assertThat(h.extractOutputValues().stream().mapToInt(RowBlock::rows).sum()).isEqualTo(1);
        h.close();
    }
}
