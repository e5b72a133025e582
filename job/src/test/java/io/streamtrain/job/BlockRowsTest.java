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

    private static byte[] concat(byte[]... rows) {
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        for (byte[] r : rows) {
            out.writeBytes(r);
        }
        return out.toByteArray();
    }

    /** Dense rows 3 a message into blocks of 4: a message falls into two blocks, a bad row goes alone. */
    @Test
    void messagesOfSeveralRowsAreBlockedRowByRowAndABadRowIsADeadLetterAlone() throws Exception {
        RowFormat dense = Format.DENSE.rowFormat("seed");
        byte[][] rows = new byte[9][];
        for (int i = 0; i < rows.length; i++) {
            rows[i] = good(Format.DENSE, i);
        }
        byte[] bad = io.streamtrain.data.DenseRowFormat.encode(5, new float[] {0.5f, 0.5f}, 0, 2);
        var h = harness(dense);
        h.processElement(new StreamRecord<>(new RawRow(concat(rows[0], rows[1], rows[2]), "rows", 0, 10)));
        h.processElement(new StreamRecord<>(new RawRow(concat(rows[3], bad, rows[4]), "rows", 0, 11)));
        h.processElement(new StreamRecord<>(new RawRow(concat(rows[5], rows[6], rows[7]), "rows", 0, 12)));
        h.endInput();

        List<DeadLetter> letters = h.getSideOutput(BlockRows.DEAD_LETTERS).stream().map(StreamRecord::getValue).toList();
        assertThat(letters).singleElement().satisfies(l -> {
            assertThat(l.value()).isEqualTo(bad);
            assertThat(l.reason()).isEqualTo("row 2 of 3 in the message: label 5 is not a class index in [0, 2)");
            assertThat(l.offset()).isEqualTo(11);
        });
        List<RowBlock> blocks = h.extractOutputValues().stream().filter(b -> !b.endOfInput()).toList();
        assertThat(blocks).extracting(RowBlock::rows).containsExactly(4, 4);
        assertThat(blocks.stream().mapToInt(RowBlock::rejected).sum()).isEqualTo(1);
        float[] expected = new float[2 * 8];
        float[] labels = new float[8];
        for (int i = 0; i < 8; i++) {
            assertThat(dense.parse(rows[i], expected, 2 * i, labels, i)).isNull();
        }
        assertThat(concatFloats(blocks.get(0).features(), blocks.get(1).features())).containsExactly(expected);
        assertThat(concatFloats(blocks.get(0).labels(), blocks.get(1).labels())).containsExactly(labels);
        // the first block ends inside the second message, whose offset it counts as consumed
        assertThat(blocks.get(0).nextOffsets()).containsExactly(12L);
        assertThat(blocks.get(1).nextOffsets()).containsExactly(13L);
        h.close();
    }

    /** A partial block holding the rest of a message is kept row by row in a checkpoint and restored. */
    @Test
    void theRestOfAMessageInAPartialBlockSurvivesARestore() throws Exception {
        RowFormat dense = Format.DENSE.rowFormat("seed");
        byte[][] rows = new byte[6][];
        for (int i = 0; i < rows.length; i++) {
            rows[i] = good(Format.DENSE, i);
        }
        org.apache.flink.runtime.checkpoint.OperatorSubtaskState checkpoint;
        try (var h = harness(dense)) {
            h.processElement(new StreamRecord<>(new RawRow(concat(rows[0], rows[1], rows[2]), "rows", 0, 0)));
            h.processElement(new StreamRecord<>(new RawRow(concat(rows[3], rows[4], rows[5]), "rows", 0, 1)));
            assertThat(h.extractOutputValues()).extracting(RowBlock::rows).containsExactly(4);
            checkpoint = h.snapshot(1, 0);
        }
        try (var restored = new OneInputStreamOperatorTestHarness<>(new BlockRows(dense, BATCH, 0, new int[] {3}))) {
            restored.initializeState(checkpoint);
            restored.open();
            restored.endInput();
            List<RowBlock> blocks = restored.extractOutputValues().stream().filter(b -> !b.endOfInput()).toList();
            assertThat(blocks).singleElement().satisfies(b -> {
                assertThat(b.rows()).isEqualTo(2);
                float[] expected = new float[4];
                float[] labels = new float[2];
                assertThat(dense.parse(rows[4], expected, 0, labels, 0)).isNull();
                assertThat(dense.parse(rows[5], expected, 2, labels, 1)).isNull();
                assertThat(b.features()).containsExactly(expected);
                assertThat(b.labels()).containsExactly(labels);
                assertThat(b.nextOffsets()).containsExactly(2L);
            });
        }
    }

    /** Blocks of rows with 8-bit features travel as those bytes; one float row makes the block floats. */
    @Test
    void blocksOfEightBitRowsCarryTheBytesAndGiveTheParsersFloats() throws Exception {
        io.streamtrain.data.DenseRowFormat pixels = new io.streamtrain.data.DenseRowFormat(
                new io.streamtrain.data.RowSchema(3, 1, 2, List.of(), 1 / 255.0, 255, 100));
        var h = harness(pixels);
        byte[][] rows = new byte[8][];
        for (int i = 0; i < rows.length; i++) {
            rows[i] = io.streamtrain.data.DenseRowFormat.encode(i % 2,
                    new byte[] {(byte) (i * 30), (byte) (255 - i), (byte) (i * 7)}, 0, 3);
        }
        // the second block holds one row of float features
        rows[6] = io.streamtrain.data.DenseRowFormat.encode(0, new float[] {1f, 2f, 3f}, 0, 3);
        h.processElement(new StreamRecord<>(new RawRow(concat(rows[0], rows[1], rows[2], rows[3]), "rows", 0, 0)));
        for (int i = 4; i < 8; i++) {
            h.processElement(new StreamRecord<>(new RawRow(rows[i], "rows", 0, i - 3)));
        }
        List<RowBlock> blocks = h.extractOutputValues();
        assertThat(blocks).hasSize(2);
        float[] expected = new float[3 * 8];
        float[] labels = new float[8];
        for (int i = 0; i < 8; i++) {
            assertThat(pixels.parse(rows[i], expected, 3 * i, labels, i)).isNull();
        }
        RowBlock first = blocks.get(0);
        assertThat(first.features8()).hasSize(12);
        assertThat(first.features()).isEmpty();
        assertThat(first.features(null)).containsExactly(java.util.Arrays.copyOfRange(expected, 0, 12));
        assertThat(first.labels()).containsExactly(java.util.Arrays.copyOfRange(labels, 0, 4));
        RowBlock second = blocks.get(1);
        assertThat(second.features8()).isNull();
        assertThat(second.features()).containsExactly(java.util.Arrays.copyOfRange(expected, 12, 24));
        assertThat(second.features(new float[100])).isSameAs(second.features());
        h.close();
    }

    private static float[] concatFloats(float[] a, float[] b) {
        float[] c = java.util.Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, c, a.length, b.length);
        return c;
    }
}
