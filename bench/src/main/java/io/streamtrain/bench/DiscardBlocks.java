package io.streamtrain.bench;

import io.streamtrain.job.RowBlock;
import org.apache.flink.api.connector.sink2.Sink;
import org.apache.flink.api.connector.sink2.SinkWriter;
import org.apache.flink.api.connector.sink2.WriterInitContext;

/** Stands in for the gradient workers in the input benchmark: counts the rows of each block and drops it. */
final class DiscardBlocks implements Sink<RowBlock> {
    private static final long serialVersionUID = 1L;

    @Override
    public SinkWriter<RowBlock> createWriter(WriterInitContext context) {
        return new CountRows();
    }

    /** Counts rows and notes the time of the latest block. */
    private static final class CountRows implements SinkWriter<RowBlock> {
        @Override
        public void write(RowBlock block, Context ctx) {
            Probes.block(block.rows());
        }

        @Override
        public void flush(boolean endOfInput) {}

        @Override
        public void close() {}
    }
}
