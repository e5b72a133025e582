package io.streamtrain.connectors.format;

import io.streamtrain.connectors.record.ModelVersion;
import io.streamtrain.connectors.typeutils.BulkArrays;
import java.nio.ByteBuffer;
import java.nio.FloatBuffer;
import java.nio.charset.StandardCharsets;

/**
 * The binary wire format of {@link ModelVersion} on the parameters topic.
 *
 * <p>Layout (big-endian): magic "STMV" (4 bytes), format version (1 byte), precision in bytes
 * per parameter (1 byte: 4 when every parameter is exactly a float, as the updater publishes them
 * for workers that compute in float32, else 8; either way the workers get exactly the parameters
 * published), model id (2-byte length + UTF-8), generation, version (longs), flags (1 byte, bit 0 =
 * last), rowsTrained, rowsRejected (longs), lossSum (double), correct, publishedAtMillis
 * (longs), shard count (int), shard keys (ints), shard blocks (longs), parameter count (int),
 * parameters (floats or doubles). Hand-written rather than Jackson/Avro:
 * a version is mostly one large array, which this copies in one bulk put.
 */
public final class ModelVersionFormat {
    public static final int MAGIC = 0x53544D56; // "STMV"
    public static final byte FORMAT_VERSION = 1;
    private static final byte PRECISION = 8;
    private static final byte FLOAT_PRECISION = 4;
    private static final int HEADER = 4 + 1 + 1 + 2 + 8 + 8 + 1 + 8 + 8 + 8 + 8 + 8 + 4 + 4;

    private ModelVersionFormat() {}

    /** Encoded size in bytes, at most, of a version with this model id and parameter count (as doubles). */
    public static int encodedSize(String model, int shards, int parameters) {
        return HEADER + model.getBytes(StandardCharsets.UTF_8).length + 12 * shards + PRECISION * parameters;
    }

    public static byte[] encode(ModelVersion v) {
        byte[] id = v.model().getBytes(StandardCharsets.UTF_8);
        if (id.length > Short.MAX_VALUE) {
            throw new IllegalArgumentException("model id longer than " + Short.MAX_VALUE + " bytes");
        }
        double[] p = v.parameters();
        int shards = v.shardKeys().length;
        byte precision = BulkArrays.allFloats(p) ? FLOAT_PRECISION : PRECISION;
        ByteBuffer buf = ByteBuffer.allocate(HEADER + id.length + 12 * shards + precision * p.length);
        buf.putInt(MAGIC).put(FORMAT_VERSION).put(precision);
        buf.putShort((short) id.length).put(id);
        buf.putLong(v.generation()).putLong(v.version());
        buf.put((byte) (v.last() ? 1 : 0));
        buf.putLong(v.rowsTrained()).putLong(v.rowsRejected());
        buf.putDouble(v.lossSum()).putLong(v.correct()).putLong(v.publishedAtMillis());
        buf.putInt(shards);
        for (int i = 0; i < shards; i++) {
            buf.putInt(v.shardKeys()[i]).putLong(v.shardBlocks()[i]);
        }
        buf.putInt(p.length);
        if (precision == FLOAT_PRECISION) {
            FloatBuffer floats = buf.asFloatBuffer();
            for (double x : p) {
                floats.put((float) x);
            }
        } else {
            buf.asDoubleBuffer().put(p);
        }
        return buf.array();
    }


    public static ModelVersion decode(byte[] bytes) {
        ByteBuffer buf = ByteBuffer.wrap(bytes);
        if (bytes.length < HEADER || buf.getInt() != MAGIC) {
            throw new IllegalArgumentException("not a model version message (bad magic or too short)");
        }
        byte format = buf.get();
        if (format != FORMAT_VERSION) {
            throw new IllegalArgumentException("unsupported model version format " + format
                    + " (this build reads format " + FORMAT_VERSION + ")");
        }
        byte precision = buf.get();
        if (precision != PRECISION && precision != FLOAT_PRECISION) {
            throw new IllegalArgumentException("unsupported parameter precision " + precision);
        }
        byte[] id = new byte[buf.getShort()];
        buf.get(id);
        long generation = buf.getLong();
        long version = buf.getLong();
        boolean last = (buf.get() & 1) != 0;
        long rowsTrained = buf.getLong();
        long rowsRejected = buf.getLong();
        double lossSum = buf.getDouble();
        long correct = buf.getLong();
        long publishedAt = buf.getLong();
        int shards = buf.getInt();
        if (shards < 0 || 12L * shards > buf.remaining() - 4) {
            throw new IllegalArgumentException("model version shard count " + shards + " does not fit the message");
        }
        int[] shardKeys = new int[shards];
        long[] shardBlocks = new long[shards];
        for (int i = 0; i < shards; i++) {
            shardKeys[i] = buf.getInt();
            shardBlocks[i] = buf.getLong();
        }
        int n = buf.getInt();
        if (n < 0 || (long) n * precision != buf.remaining()) {
            throw new IllegalArgumentException("model version parameter count " + n
                    + " does not match the " + buf.remaining() + " bytes left");
        }
        double[] p = new double[n];
        if (precision == FLOAT_PRECISION) {
            FloatBuffer floats = buf.asFloatBuffer();
            for (int i = 0; i < n; i++) {
                p[i] = floats.get();
            }
        } else {
            buf.asDoubleBuffer().get(p);
        }
        return new ModelVersion(new String(id, StandardCharsets.UTF_8), generation, version, last,
                rowsTrained, rowsRejected, lossSum, correct, publishedAt, shardKeys, shardBlocks, p);
    }
}
