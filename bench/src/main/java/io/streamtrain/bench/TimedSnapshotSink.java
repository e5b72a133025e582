package io.streamtrain.bench;

import io.streamtrain.connectors.record.ModelSnapshot;
import java.io.IOException;
import org.apache.flink.api.connector.sink2.Sink;
import org.apache.flink.api.connector.sink2.SinkWriter;
import org.apache.flink.api.connector.sink2.WriterInitContext;

/** The job's snapshot sink, timing each write and noting when the final snapshot was committed. */
final class TimedSnapshotSink implements Sink<ModelSnapshot> {
    private static final long serialVersionUID = 1L;

    private final Sink<ModelSnapshot> delegate;

    TimedSnapshotSink(Sink<ModelSnapshot> delegate) {
        this.delegate = delegate;
    }

    @Override
    public SinkWriter<ModelSnapshot> createWriter(WriterInitContext context) throws IOException {
        return new TimeWrites(delegate.createWriter(context));
    }

    /** Times the delegate's writes; the snapshot sink commits each snapshot within its write. */
    private static final class TimeWrites implements SinkWriter<ModelSnapshot> {
        private final SinkWriter<ModelSnapshot> writer;

        TimeWrites(SinkWriter<ModelSnapshot> writer) {
            this.writer = writer;
        }

        @Override
        public void write(ModelSnapshot snapshot, Context ctx) throws IOException, InterruptedException {
            long t0 = System.nanoTime();
            writer.write(snapshot, ctx);
            Probes.snapshotWritten(snapshot.version(), snapshot.last(), (System.nanoTime() - t0) / 1e6);
        }

        @Override
        public void flush(boolean endOfInput) throws IOException, InterruptedException {
            writer.flush(endOfInput);
        }

        @Override
        public void close() throws Exception {
            writer.close();
        }
    }
}
