package io.streamtrain.connectors.kafka;

import io.streamtrain.connectors.record.ModelVersion;
import java.util.Collection;
import java.util.HashSet;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import org.apache.flink.api.connector.source.Boundedness;
import org.apache.flink.api.connector.source.ReaderOutput;
import org.apache.flink.api.connector.source.Source;
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

    private static final class Reader<SplitT extends SourceSplit> extends ForwardingSourceReader<ModelVersion, SplitT> {
        private final Set<String> waiting;

        Reader(SourceReader<ModelVersion, SplitT> delegate, Set<String> models) {
            super(delegate);
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
        public InputStatus pollNext(ReaderOutput<ModelVersion> output) throws Exception {
            if (done()) {
                return InputStatus.END_OF_INPUT;
            }
            InputStatus status = delegate.pollNext(new ObservingReaderOutput<>(output, this::seen));
            return done() ? InputStatus.END_OF_INPUT : status;
        }

        @Override
        public CompletableFuture<Void> isAvailable() {
            return done() ? CompletableFuture.completedFuture(null) : delegate.isAvailable();
        }
    }
}
