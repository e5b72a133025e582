package io.streamtrain.connectors.typeutils;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import org.apache.flink.core.memory.DataInputView;
import org.apache.flink.core.memory.DataOutputView;

/**
 * Primitive arrays written and read in one bulk copy: a length, then the values big-endian.
 *
 * <p>Written by hand because Flink's own primitive-array serializers write and read one element
 * at a time through the {@code DataOutputView} ({@code writeFloat} per value); a block of 128
 * Fashion-MNIST rows is 100,352 floats and a version of the 784-128-10 network 101,770 doubles,
 * and the per-value calls showed up in the job's profile. Here the values go through a scratch
 * byte array with one {@code ByteBuffer} bulk put (a vectorised copy) and one {@code write}.
 *
 * <p>Not thread-safe: one instance per serializer instance (serializers are duplicated per thread).
 */
public final class BulkArrays {
    private static final int[] NO_INTS = new int[0];
    private static final long[] NO_LONGS = new long[0];
    private static final float[] NO_FLOATS = new float[0];
    private static final double[] NO_DOUBLES = new double[0];

    private byte[] scratch = new byte[1024];

    private byte[] scratch(int bytes) {
        if (scratch.length < bytes) {
            scratch = new byte[Math.max(bytes, scratch.length * 2)];
        }
        return scratch;
    }

    private static ByteBuffer wrap(byte[] bytes, int length) {
        return ByteBuffer.wrap(bytes, 0, length).order(ByteOrder.BIG_ENDIAN);
    }

    public void writeFloats(float[] values, DataOutputView out) throws IOException {
        out.writeInt(values.length);
        int bytes = values.length * Float.BYTES;
        byte[] b = scratch(bytes);
        wrap(b, bytes).asFloatBuffer().put(values);
        out.write(b, 0, bytes);
    }

    public float[] readFloats(DataInputView in) throws IOException {
        return readFloats(length(in), in);
    }

    /** The values of a float array whose length {@code n} was read already. */
    public float[] readFloats(int n, DataInputView in) throws IOException {
        if (n < 0) {
            throw new IOException("corrupt array length " + n);
        }
        if (n == 0) {
            return NO_FLOATS;
        }
        int bytes = n * Float.BYTES;
        byte[] b = scratch(bytes);
        in.readFully(b, 0, bytes);
        float[] values = new float[n];
        wrap(b, bytes).asFloatBuffer().get(values);
        return values;
    }

    public void writeDoubles(double[] values, DataOutputView out) throws IOException {
        out.writeInt(values.length);
        int bytes = values.length * Double.BYTES;
        byte[] b = scratch(bytes);
        wrap(b, bytes).asDoubleBuffer().put(values);
        out.write(b, 0, bytes);
    }

    public double[] readDoubles(DataInputView in) throws IOException {
        return readDoubles(length(in), in);
    }

    /** The values of a double array whose length {@code n} was read already. */
    public double[] readDoubles(int n, DataInputView in) throws IOException {
        if (n < 0) {
            throw new IOException("corrupt array length " + n);
        }
        if (n == 0) {
            return NO_DOUBLES;
        }
        int bytes = n * Double.BYTES;
        byte[] b = scratch(bytes);
        in.readFully(b, 0, bytes);
        double[] values = new double[n];
        wrap(b, bytes).asDoubleBuffer().get(values);
        return values;
    }

    /**
     * Writes {@code values} as {@link #writeDoubles} does, or, when every value is exactly a
     * float (as a gradient computed in float32 is), as floats: the length written as
     * {@code -1 - n}, then the n floats, half the bytes. {@link #readCompactDoubles} returns the
     * same doubles, bit for bit, from either.
     */
    public void writeCompactDoubles(double[] values, DataOutputView out) throws IOException {
        if (!allFloats(values)) {
            writeDoubles(values, out);
            return;
        }
        int n = values.length;
        out.writeInt(-1 - n);
        int bytes = n * Float.BYTES;
        byte[] b = scratch(bytes);
        ByteBuffer buf = wrap(b, bytes);
        for (int i = 0; i < n; i++) {
            buf.putFloat(i * Float.BYTES, (float) values[i]);
        }
        out.write(b, 0, bytes);
    }

    /** Reads an array written by {@link #writeCompactDoubles} or {@link #writeDoubles}. */
    public double[] readCompactDoubles(DataInputView in) throws IOException {
        int header = in.readInt();
        if (header >= 0) {
            return readDoubles(header, in);
        }
        int n = -1 - header;
        if (n == 0) {
            return NO_DOUBLES;
        }
        int bytes = n * Float.BYTES;
        byte[] b = scratch(bytes);
        in.readFully(b, 0, bytes);
        ByteBuffer buf = wrap(b, bytes);
        double[] values = new double[n];
        for (int i = 0; i < n; i++) {
            values[i] = buf.getFloat(i * Float.BYTES);
        }
        return values;
    }

    /** True when every value survives a round trip through float unchanged (NaN does not). */
    public static boolean allFloats(double[] values) {
        for (double v : values) {
            if ((double) (float) v != v) {
                return false;
            }
        }
        return true;
    }

    public void writeInts(int[] values, DataOutputView out) throws IOException {
        out.writeInt(values.length);
        for (int v : values) {
            out.writeInt(v);
        }
    }

    public int[] readInts(DataInputView in) throws IOException {
        int n = length(in);
        if (n == 0) {
            return NO_INTS;
        }
        int[] values = new int[n];
        for (int i = 0; i < n; i++) {
            values[i] = in.readInt();
        }
        return values;
    }

    public void writeLongs(long[] values, DataOutputView out) throws IOException {
        out.writeInt(values.length);
        for (long v : values) {
            out.writeLong(v);
        }
    }

    public long[] readLongs(DataInputView in) throws IOException {
        int n = length(in);
        if (n == 0) {
            return NO_LONGS;
        }
        long[] values = new long[n];
        for (int i = 0; i < n; i++) {
            values[i] = in.readLong();
        }
        return values;
    }

    /** Copies one array written by the {@code write*} methods, {@code elementBytes} bytes per value. */
    public void copy(DataInputView in, DataOutputView out, int elementBytes) throws IOException {
        int n = length(in);
        out.writeInt(n);
        out.write(in, n * elementBytes);
    }

    private static int length(DataInputView in) throws IOException {
        int n = in.readInt();
        if (n < 0) {
            throw new IOException("corrupt array length " + n);
        }
        return n;
    }
}
