package io.streamtrain.connectors.typeutils;

import java.io.IOException;
import org.apache.flink.api.common.typeutils.TypeSerializer;
import org.apache.flink.core.memory.DataInputView;
import org.apache.flink.core.memory.DataOutputView;

/**
 * Base of the hand-written serializers of the job's immutable records (rows blocks, gradient
 * blocks, model versions): a record is written field by field, its arrays in bulk through
 * {@link BulkArrays}. Records are immutable, so copies are the records themselves.
 *
 * <p>Each subclass keeps a scratch buffer, so {@link #duplicate()} hands out a fresh instance.
 */
public abstract class RecordSerializer<T> extends TypeSerializer<T> {
    private static final long serialVersionUID = 1L;

    protected transient BulkArrays arrays;

    protected final BulkArrays arrays() {
        if (arrays == null) {
            arrays = new BulkArrays();
        }
        return arrays;
    }

    @Override
    public final boolean isImmutableType() {
        return true;
    }

    @Override
    public final T copy(T from) {
        return from;
    }

    @Override
    public final T copy(T from, T reuse) {
        return from;
    }

    @Override
    public final int getLength() {
        return -1;
    }

    @Override
    public final T deserialize(T reuse, DataInputView source) throws IOException {
        return deserialize(source);
    }

    @Override
    public void copy(DataInputView source, DataOutputView target) throws IOException {
        serialize(deserialize(source), target);
    }

    @Override
    public boolean equals(Object obj) {
        return obj != null && obj.getClass() == getClass();
    }

    @Override
    public int hashCode() {
        return getClass().hashCode();
    }
}
