package io.streamtrain.connectors.kafka;

import java.util.function.Consumer;
import org.apache.flink.api.common.eventtime.Watermark;
import org.apache.flink.api.connector.source.SourceOutput;

/** A split's output that passes every record on and then shows it to an observer (see {@link ObservingReaderOutput}). */
class ObservingSourceOutput<T> implements SourceOutput<T> {
    private final SourceOutput<T> out;
    final Consumer<T> observer;

    ObservingSourceOutput(SourceOutput<T> out, Consumer<T> observer) {
        this.out = out;
        this.observer = observer;
    }

    @Override
    public void collect(T record) {
        out.collect(record);
        observer.accept(record);
    }

    @Override
    public void collect(T record, long timestamp) {
        out.collect(record, timestamp);
        observer.accept(record);
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
