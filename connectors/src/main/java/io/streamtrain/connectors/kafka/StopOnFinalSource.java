package io.streamtrain.connectors.kafka;

import io.streamtrain.connectors.record.ModelVersion;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import org.apache.flink.api.common.eventtime.Watermark;
import org.apache.flink.api.connector.source.Boundedness;
import org.apache.flink.api.connector.source.ReaderOutput;
import org.apache.flink.api.connector.source.Source;
import org.apache.flink.api.connector.source.SourceEvent;
import org.apache.flink.api.connector.source.SourceOutput;
import org.apache.flink.api.connector.source.SourceReader;
import org.apache.flink.api.connector.source.SourceReaderContext;
import org.apache.flink.api.connector.source.SourceSplit;
import org.apache.flink.api.connector.source.SplitEnumerator;
import org.apache.flink.api.connector.source.SplitEnumeratorContext;
import org.apache.flink.core.io.InputStatus;
import org.apache.flink.core.io.SimpleVersionedSerializer;

/**
 * Wraps the parameters source so that it ends once it has passed on the final version of every
 * expected model. That is how a bounded run ends by itself: the rows source ends at its stopping
 * offsets, the updater publishes a version flagged final, and this source, reading it back, ends
 * too. (The Kafka connector has no stop-on-record option.)
 */
public final class StopOnFinalSource<SplitT extends SourceSplit, EnumChkT>
        implements Source<ModelVersion, SplitT, EnumChkT> {
    private static final long serialVersionUID = 1L;

    private final Source<ModelVersion, SplitT, EnumChkT> delegate;
    private final Set<String> models;

    public StopOnFinalSource(Source<ModelVersion, SplitT, EnumChkT> delegate, Collection<String> models) {
        this.delegate = delegate;
        this.models = new HashSet<>(models);
    }

    @Override
    public Boundedness getBoundedness() {
        return delegate.getBoundedness();
    }

    @Override
    public SourceReader<ModelVersion, SplitT> createReader(SourceReaderContext context) throws Exception {
        return new Reader<>(delegate.createReader(context), models);
    }

    @Override
    public SplitEnumerator<SplitT, EnumChkT> createEnumerator(SplitEnumeratorContext<SplitT> context) throws Exception {
        return delegate.createEnumerator(context);
    }

    @Override
    public SplitEnumerator<SplitT, EnumChkT> restoreEnumerator(SplitEnumeratorContext<SplitT> context, EnumChkT checkpoint)
            throws Exception {
        return delegate.restoreEnumerator(context, checkpoint);
    }

    @Override
    public SimpleVersionedSerializer<SplitT> getSplitSerializer() {
        return delegate.getSplitSerializer();
    }

    @Override
    public SimpleVersionedSerializer<EnumChkT> getEnumeratorCheckpointSerializer() {
        return delegate.getEnumeratorCheckpointSerializer();
    }

    private static final class Reader<SplitT extends SourceSplit> implements SourceReader<ModelVersion, SplitT> {
        private final SourceReader<ModelVersion, SplitT> delegate;
        private final Set<String> waiting;

        Reader(SourceReader<ModelVersion, SplitT> delegate, Set<String> models) {
            this.delegate = delegate;
            this.waiting = new HashSet<>(models);
        }

        private void seen(ModelVersion version) {
            if (version.last()) {
                waiting.remove(version.model());
            }
        }

        private boolean done() {
            return waiting.isEmpty();
        }

        @Override
        public void start() {
            delegate.start();
        }

        @Override
        public InputStatus pollNext(ReaderOutput<ModelVersion> output) throws Exception {
            if (done()) {
                return InputStatus.END_OF_INPUT;
            }
            InputStatus status = delegate.pollNext(new WatchingReaderOutput(output));
            return done() ? InputStatus.END_OF_INPUT : status;
        }

        @Override
        public List<SplitT> snapshotState(long checkpointId) {
            return delegate.snapshotState(checkpointId);
        }

        @Override
        public CompletableFuture<Void> isAvailable() {
            return done() ? CompletableFuture.completedFuture(null) : delegate.isAvailable();
        }

        @Override
        public void addSplits(List<SplitT> splits) {
            delegate.addSplits(splits);
        }

        @Override
        public void notifyNoMoreSplits() {
            delegate.notifyNoMoreSplits();
        }

        @Override
        public void handleSourceEvents(SourceEvent event) {
            delegate.handleSourceEvents(event);
        }

        @Override
        public void notifyCheckpointComplete(long checkpointId) throws Exception {
            delegate.notifyCheckpointComplete(checkpointId);
        }

        @Override
        public void pauseOrResumeSplits(Collection<String> pause, Collection<String> resume) {
            delegate.pauseOrResumeSplits(pause, resume);
        }

        @Override
        public void close() throws Exception {
            delegate.close();
        }

        private class WatchingOutput implements SourceOutput<ModelVersion> {
            private final SourceOutput<ModelVersion> out;

            WatchingOutput(SourceOutput<ModelVersion> out) {
                this.out = out;
            }

            @Override
            public void collect(ModelVersion record) {
                out.collect(record);
                seen(record);
            }

            @Override
            public void collect(ModelVersion record, long timestamp) {
                out.collect(record, timestamp);
                seen(record);
            }

            @Override
            public void emitWatermark(Watermark watermark) {
                out.emitWatermark(watermark);
            }

            @Override
            public void markIdle() {
                out.markIdle();
            }

            @Override
            public void markActive() {
                out.markActive();
            }
        }

        private final class WatchingReaderOutput extends WatchingOutput implements ReaderOutput<ModelVersion> {
            private final ReaderOutput<ModelVersion> readerOutput;

            WatchingReaderOutput(ReaderOutput<ModelVersion> out) {
                super(out);
                this.readerOutput = out;
            }

            @Override
            public SourceOutput<ModelVersion> createOutputForSplit(String splitId) {
                return new WatchingOutput(readerOutput.createOutputForSplit(splitId));
            }

            @Override
            public void releaseOutputForSplit(String splitId) {
                readerOutput.releaseOutputForSplit(splitId);
            }
        }
    }
}
