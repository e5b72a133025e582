package io.streamtrain.connectors.kafka;

import java.util.function.Consumer;
import org.apache.flink.api.connector.source.ReaderOutput;
import org.apache.flink.api.connector.source.SourceOutput;

/**
 * A reader's output that passes every record on and then shows it to an observer, on the output
 * of every split too (the Kafka reader emits through per-split outputs): how a wrapping source
 * reader watches what the wrapped one emits.
 */
final class ObservingReaderOutput<T> extends ObservingSourceOutput<T> implements ReaderOutput<T> {
    private final ReaderOutput<T> readerOutput;

    ObservingReaderOutput(ReaderOutput<T> out, Consumer<T> observer) {
        super(out, observer);
        this.readerOutput = out;
    }

    @Override
    public SourceOutput<T> createOutputForSplit(String splitId) {
        return new ObservingSourceOutput<>(readerOutput.createOutputForSplit(splitId), observer);
    }

    @Override
    public void releaseOutputForSplit(String splitId) {
        readerOutput.releaseOutputForSplit(splitId);
    }
}
