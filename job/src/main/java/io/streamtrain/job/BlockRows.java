package io.streamtrain.job;

import io.streamtrain.connectors.record.DeadLetter;
import io.streamtrain.connectors.record.RawRow;
import io.streamtrain.data.RowFormat;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.apache.flink.api.common.state.ListState;
import org.apache.flink.api.common.state.ListStateDescriptor;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.runtime.state.StateInitializationContext;
import org.apache.flink.runtime.state.StateSnapshotContext;
import org.apache.flink.streaming.api.operators.AbstractStreamOperator;
import org.apache.flink.streaming.api.operators.BoundedOneInput;
import org.apache.flink.streaming.api.operators.OneInputStreamOperator;
import org.apache.flink.streaming.api.watermark.Watermark;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.util.OutputTag;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Parses raw rows, sends the ones that do not fit to the dead-letter output with a reason, and
 * cuts the rest into blocks of {@code batchSize} rows, each routed to the next shard in turn. A
 * message may hold several rows (the dense format's {@code data.rows-per-message}); its rows are
 * parsed, rejected and blocked one by one, and may fall into two blocks.
 *
 * <p>A custom operator rather than a ProcessFunction because it must see the end of input: there
 * it flushes the last partial block and then sends every shard an end-of-input marker, so
 * that the end travels with the data (the gradient workers may still hold blocks back for
 * flow control when the watermark says the input is over). A partial block is kept in
 * operator state as raw rows, one a row (a row of a message of several is kept as its own
 * bytes, with its message's position).
 */
public final class BlockRows extends AbstractStreamOperator<RowBlock>
        implements OneInputStreamOperator<RawRow, RowBlock>, BoundedOneInput {
    private static final long serialVersionUID = 1L;
    private static final Logger LOG = LoggerFactory.getLogger(BlockRows.class);

    public static final OutputTag<DeadLetter> DEAD_LETTERS = new OutputTag<>("dead-letters", TypeInformation.of(DeadLetter.class));

    private final RowFormat format;
    private final int batchSize;
    private final long batchTimeoutMillis;
    private final int[] shardKeys;

    private transient float[] features;
    /** The block's features as 8-bit values while every row so far had them (else null, and {@code all8} false). */
    private transient byte[] features8;
    private transient boolean all8;
    private transient float[] labels;
    private transient int rows;
    private transient int rejected;
    /** The messages of the partial block's rows, and which row of its message each is. */
    private transient RawRow[] pendingMessages;
    private transient int[] pendingRows;
    /** Per source partition (first {@code positions} entries): the offset after the last row consumed. */
    private transient int[] partitions;
    private transient long[] nextOffsets;
    private transient int positions;
    private transient int nextShard;
    private transient long timeoutEpoch;
    private transient boolean ended;
    private transient ListState<RawRow> pendingState;
    private transient ListState<RowBlock> countersState;

    public BlockRows(RowFormat format, int batchSize, long batchTimeoutMillis, int[] shardKeys) {
        this.format = format;
        this.batchSize = batchSize;
        this.batchTimeoutMillis = batchTimeoutMillis;
        this.shardKeys = shardKeys.clone();
    }

    @Override
    public void initializeState(StateInitializationContext context) throws Exception {
        super.initializeState(context);
        pendingState = context.getOperatorStateStore()
                .getListState(new ListStateDescriptor<>("pending-rows", TypeInformation.of(RawRow.class)));
        countersState = context.getOperatorStateStore()
                .getListState(new ListStateDescriptor<>("pending-counters", TypeInformation.of(RowBlock.class)));
        newBlock();
        partitions = new int[4];
        nextOffsets = new long[4];
        positions = 0;
        nextShard = getRuntimeContext().getTaskInfo().getIndexOfThisSubtask() % shardKeys.length;
        if (context.isRestored()) {
            for (RowBlock counters : countersState.get()) {
                rejected += counters.rejected();
                for (int i = 0; i < counters.partitions().length; i++) {
                    consumed(counters.partitions()[i], counters.nextOffsets()[i]);
                }
            }
            for (RawRow row : pendingState.get()) {
                add(row);
            }
        }
    }

    @Override
    public void snapshotState(StateSnapshotContext context) throws Exception {
        super.snapshotState(context);
        List<RawRow> pending = new ArrayList<>(rows);
        for (int i = 0; i < rows; i++) {
            RawRow m = pendingMessages[i];
            byte[] row = format.row(m.value(), pendingRows[i]);
            pending.add(row == m.value() ? m : new RawRow(row, m.topic(), m.partition(), m.offset()));
        }
        pendingState.update(pending);
        countersState.update(List.of(counters(-1)));
    }

    @Override
    public void processElement(StreamRecord<RawRow> element) throws Exception {
        add(element.getValue());
    }

    /**
     * Notes that a partition has been consumed up to {@code nextOffset}. A linear scan of a few
     * primitive entries: a source subtask reads a handful of partitions, and a map of boxed keys
     * and values cost several percent of the input path's time at a million rows a second.
     */
    private void consumed(int partition, long nextOffset) {
        for (int i = 0; i < positions; i++) {
            if (partitions[i] == partition) {
                nextOffsets[i] = Math.max(nextOffsets[i], nextOffset);
                return;
            }
        }
        if (positions == partitions.length) {
            partitions = Arrays.copyOf(partitions, positions * 2);
            nextOffsets = Arrays.copyOf(nextOffsets, positions * 2);
        }
        partitions[positions] = partition;
        nextOffsets[positions++] = nextOffset;
    }

    private void add(RawRow message) {
        consumed(message.partition(), message.offset() + 1);
        int count;
        try {
            count = format.rowsIn(message.value());
        } catch (RuntimeException e) {
            count = 1; // parse() below meets the same bytes and gives the reason
        }
        for (int r = 0; r < count; r++) {
            addRow(message, r, count);
        }
    }

    private void addRow(RawRow message, int row, int count) {
        int fw = format.features();
        int lw = format.labelWidth();
        String reason;
        try {
            reason = format.parse(message.value(), row, features, rows * fw, labels, rows * lw);
        } catch (RuntimeException e) {
            // parsers return reasons and never throw; should one still fail on some row, that row
            // goes to the dead letters rather than failing the job on every restart (a poison pill)
            LOG.warn("the row parser failed on row {} of the message at {}-{} offset {}; sent to the dead letters",
                    row, message.topic(), message.partition(), message.offset(), e);
            reason = "the row parser failed on this row: " + e;
        }
        if (reason != null) {
            rejected++;
            byte[] bytes = count == 1 ? message.value() : format.row(message.value(), row);
            output.collect(DEAD_LETTERS, new StreamRecord<>(new DeadLetter(bytes,
                    count == 1 ? reason : "row " + (row + 1) + " of " + count + " in the message: " + reason,
                    message.topic(), message.partition(), message.offset())));
            return;
        }
        if (all8) {
            if (features8 == null) {
                features8 = new byte[batchSize * fw];
            }
            all8 = format.features8(message.value(), row, features8, rows * fw);
        }
        pendingMessages[rows] = message;
        pendingRows[rows] = row;
        rows++;
        if (rows == batchSize) {
            emit();
        } else if (rows == 1 && batchTimeoutMillis > 0) {
            long epoch = timeoutEpoch;
            getProcessingTimeService().registerTimer(
                    getProcessingTimeService().getCurrentProcessingTime() + batchTimeoutMillis,
                    time -> {
                        if (epoch == timeoutEpoch && rows > 0) {
                            emit();
                        }
                    });
        }
    }

    @Override
    public void processWatermark(Watermark mark) throws Exception {
        if (mark.getTimestamp() == Long.MAX_VALUE) {
            flushAtEnd();
        }
        super.processWatermark(mark);
    }

    @Override
    public void endInput() {
        flushAtEnd();
    }

    private void flushAtEnd() {
        if (ended) {
            return;
        }
        ended = true;
        if (rows > 0 || rejected > 0 || positions > 0) {
            emit();
        }
        for (int key : shardKeys) {
            output.collect(new StreamRecord<>(
                    new RowBlock(key, 0, 0, new float[0], new float[0], new int[0], new long[0], true)));
        }
    }

    private void emit() {
        int fw = format.features();
        int lw = format.labelWidth();
        RowBlock consumed = counters(0);
        float[] blockLabels = rows == batchSize ? labels : Arrays.copyOf(labels, rows * lw);
        boolean bytes = all8 && rows > 0;
        RowBlock block = bytes
                ? RowBlock.ofBytes(shardKeys[nextShard], rows, rejected,
                        rows == batchSize ? features8 : Arrays.copyOf(features8, rows * fw), format.scale8(), blockLabels,
                        consumed.partitions(), consumed.nextOffsets())
                : new RowBlock(shardKeys[nextShard], rows, rejected,
                        rows == batchSize ? features : Arrays.copyOf(features, rows * fw), blockLabels,
                        consumed.partitions(), consumed.nextOffsets(), false);
        nextShard = (nextShard + 1) % shardKeys.length;
        output.collect(new StreamRecord<>(block));
        rejected = 0;
        positions = 0;
        if (bytes || rows < batchSize) {
            // the block did not take the float buffer: the next one parses into it again
            resetBlock();
        } else {
            newBlock();
        }
    }

    private RowBlock counters(int shardKey) {
        // sorted by partition, as the updater merges them
        int[] order = new int[positions];
        for (int i = 0; i < positions; i++) {
            order[i] = i;
        }
        for (int i = 1; i < positions; i++) {
            for (int j = i; j > 0 && partitions[order[j]] < partitions[order[j - 1]]; j--) {
                int t = order[j];
                order[j] = order[j - 1];
                order[j - 1] = t;
            }
        }
        int[] parts = new int[positions];
        long[] offsets = new long[positions];
        for (int i = 0; i < positions; i++) {
            parts[i] = partitions[order[i]];
            offsets[i] = nextOffsets[order[i]];
        }
        return new RowBlock(shardKey, 0, rejected, new float[0], new float[0], parts, offsets, false);
    }

    private void newBlock() {
        features = new float[batchSize * format.features()];
        resetBlock();
    }

    /** Starts a block that parses into the present float buffer. */
    private void resetBlock() {
        labels = new float[batchSize * format.labelWidth()];
        features8 = null;
        all8 = true;
        rows = 0;
        pendingMessages = new RawRow[batchSize];
        pendingRows = new int[batchSize];
        timeoutEpoch++;
    }
}
