package io.streamtrain.connectors.typeutils;

import org.apache.flink.api.common.serialization.SerializerConfig;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeutils.TypeSerializer;

/**
 * The type information of a record written by a {@link RecordSerializer}: an opaque, non-key type.
 * Attached to the record class through a {@code @TypeInfo} factory, so that
 * {@code TypeInformation.of(Record.class)} everywhere (operators, state descriptors) picks it up.
 */
public final class RecordTypeInfo<T> extends TypeInformation<T> {
    private static final long serialVersionUID = 1L;

    private final Class<T> type;
    private final Class<? extends TypeSerializer<T>> serializer;

    /** @param serializer the serializer class, with a public no-argument constructor */
    public RecordTypeInfo(Class<T> type, Class<? extends TypeSerializer<T>> serializer) {
        this.type = type;
        this.serializer = serializer;
    }

    @Override
    public boolean isBasicType() {
        return false;
    }

    @Override
    public boolean isTupleType() {
        return false;
    }

    @Override
    public int getArity() {
        return 1;
    }

    @Override
    public int getTotalFields() {
        return 1;
    }

    @Override
    public Class<T> getTypeClass() {
        return type;
    }

    @Override
    public boolean isKeyType() {
        return false;
    }

    @Override
    public TypeSerializer<T> createSerializer(SerializerConfig config) {
        try {
            return serializer.getDeclaredConstructor().newInstance();
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException("cannot create " + serializer.getName(), e);
        }
    }

    @Override
    public String toString() {
        return type.getSimpleName() + "(bulk)";
    }

    @Override
    public boolean equals(Object obj) {
        return obj instanceof RecordTypeInfo<?> other && other.type == type;
    }

    @Override
    public int hashCode() {
        return type.hashCode();
    }

    @Override
    public boolean canEqual(Object obj) {
        return obj instanceof RecordTypeInfo<?>;
    }
}
