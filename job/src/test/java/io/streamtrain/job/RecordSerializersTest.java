package io.streamtrain.job;

import static org.assertj.core.api.Assertions.assertThat;

import io.streamtrain.connectors.record.ModelVersion;
import io.streamtrain.connectors.typeutils.ModelVersionTypeSerializer;
import io.streamtrain.connectors.typeutils.RecordTypeInfo;
import java.io.IOException;
import java.lang.reflect.RecordComponent;
import java.util.Objects;
import java.util.Random;
import org.apache.flink.api.common.serialization.SerializerConfigImpl;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeutils.TypeSerializer;
import org.apache.flink.api.common.typeutils.TypeSerializerSnapshot;
import org.apache.flink.core.memory.DataInputDeserializer;
import org.apache.flink.core.memory.DataOutputSerializer;
import org.junit.jupiter.api.Test;

/** The bulk serializers of the records that cross the network: round trips, copies, snapshots. */
class RecordSerializersTest {
    private static final Random RANDOM = new Random(3);

    private static float[] floats(int n) {
        float[] a = new float[n];
        for (int i = 0; i < n; i++) {
            a[i] = (float) RANDOM.nextGaussian();
        }
        a[0] = Float.NaN;
        return a;
    }

    private static double[] doubles(int n) {
        double[] a = new double[n];
        for (int i = 0; i < n; i++) {
            a[i] = RANDOM.nextGaussian() * 1e-3;
        }
        a[n - 1] = Double.NEGATIVE_INFINITY;
        return a;
    }

    /** Serializes, deserializes, and copies serialized bytes; returns what came back. */
    private static <T> T roundTrip(Class<T> type, T value) throws IOException {
        TypeInformation<T> info = TypeInformation.of(type);
        assertThat(info).isInstanceOf(RecordTypeInfo.class);
        TypeSerializer<T> serializer = info.createSerializer(new SerializerConfigImpl());
        DataOutputSerializer out = new DataOutputSerializer(64);
        serializer.serialize(value, out);
        serializer.serialize(value, out);
        byte[] bytes = out.getCopyOfBuffer();

        DataOutputSerializer copied = new DataOutputSerializer(64);
        DataInputDeserializer in = new DataInputDeserializer(bytes);
        serializer.duplicate().copy(in, copied);
        assertThat(copied.getCopyOfBuffer()).isEqualTo(java.util.Arrays.copyOf(bytes, bytes.length / 2));

        in = new DataInputDeserializer(bytes);
        T first = serializer.deserialize(in);
        T second = serializer.deserialize(in);
        assertThat(in.available()).isZero();
        assertSameRecord(second, first);

        TypeSerializerSnapshot<T> snapshot = serializer.snapshotConfiguration();
        assertThat(snapshot.restoreSerializer()).isEqualTo(serializer);
        assertThat(snapshot.resolveSchemaCompatibility(serializer.snapshotConfiguration()).isCompatibleAsIs()).isTrue();
        return first;
    }

    /** Every record component equal, arrays element by element and exactly (NaN equals NaN). */
    private static void assertSameRecord(Object actual, Object expected) {
        assertThat(actual.getClass()).isEqualTo(expected.getClass());
        for (RecordComponent c : expected.getClass().getRecordComponents()) {
            try {
                Object a = c.getAccessor().invoke(actual);
                Object e = c.getAccessor().invoke(expected);
                assertThat(Objects.deepEquals(a, e)).as(c.getName()).isTrue();
            } catch (ReflectiveOperationException ex) {
                throw new AssertionError(ex);
            }
        }
    }

    @Test
    void rowBlocksComeBackWithEveryFieldAndValue() throws IOException {
        RowBlock block = new RowBlock(7, 3, 2, floats(3 * 784), floats(3), new int[] {0, 1}, new long[] {41, 1L << 40},
                false);
        assertSameRecord(roundTrip(RowBlock.class, block), block);
        RowBlock end = new RowBlock(1, 0, 0, new float[0], new float[0], new int[0], new long[0], true);
        assertSameRecord(roundTrip(RowBlock.class, end), end);
        byte[] pixels = new byte[3 * 784];
        RANDOM.nextBytes(pixels);
        RowBlock bytes = RowBlock.ofBytes(7, 3, 2, pixels, 1 / 255f, floats(3), new int[] {0, 1}, new long[] {41, 9});
        RowBlock back = roundTrip(RowBlock.class, bytes);
        assertSameRecord(back, bytes);
        assertThat(back.features()).isEmpty();
        assertThat(back.features(null)).hasSize(3 * 784).contains((pixels[5] & 0xff) * (1 / 255f), org.assertj.core.data.Index.atIndex(5));
    }

    /** A block of 8-bit features takes a quarter of the bytes of the same floats. */
    @Test
    void eightBitBlocksAreAQuarterOfTheFloats() throws IOException {
        byte[] pixels = new byte[256 * 784];
        RowBlock bytes = RowBlock.ofBytes(0, 256, 0, pixels, 1 / 255f, new float[256], new int[] {0}, new long[] {1});
        RowBlock floats = new RowBlock(0, 256, 0, bytes.features(null), new float[256], new int[] {0}, new long[] {1},
                false);
        TypeSerializer<RowBlock> serializer = TypeInformation.of(RowBlock.class).createSerializer(new SerializerConfigImpl());
        DataOutputSerializer a = new DataOutputSerializer(64);
        serializer.serialize(bytes, a);
        DataOutputSerializer b = new DataOutputSerializer(64);
        serializer.serialize(floats, b);
        assertThat(a.length()).isEqualTo(b.length() - 3 * 256 * 784 + 4);
    }

    @Test
    void gradientBlocksComeBackWithEveryFieldAndValue() throws IOException {
        GradientBlock block = new GradientBlock("fashion-ü", 3, 2, 99, doubles(101_770), 128, 41.5, 100, 4, false,
                new int[] {1}, new long[] {12});
        assertSameRecord(roundTrip(GradientBlock.class, block), block);
    }

    /**
     * A gradient computed in float32 (every value exactly a float) travels as floats: half the
     * bytes, and the same doubles back, bit for bit (signed zeros and infinities included); one
     * value that is not a float keeps the whole array in doubles.
     */
    @Test
    void floatGradientsTravelInHalfTheBytesAndComeBackBitForBit() throws IOException {
        double[] exact = new double[101_770];
        for (int i = 0; i < exact.length; i++) {
            exact[i] = (float) (RANDOM.nextGaussian() * 1e-3);
        }
        exact[1] = -0.0;
        exact[2] = Double.POSITIVE_INFINITY;
        exact[3] = Float.MIN_VALUE;
        GradientBlock floats = new GradientBlock("fashion", 3, 2, 99, exact, 256, 41.5, 100, 0, false,
                new int[] {1}, new long[] {12});
        GradientBlock back = roundTrip(GradientBlock.class, floats);
        assertSameRecord(back, floats);
        assertBitForBit(back.gradient(), exact);

        double[] mixed = exact.clone();
        mixed[4] = 0.1;
        GradientBlock doubles = new GradientBlock("fashion", 3, 2, 99, mixed, 256, 41.5, 100, 0, false,
                new int[] {1}, new long[] {12});
        assertSameRecord(roundTrip(GradientBlock.class, doubles), doubles);
        assertThat(serializedSize(GradientBlock.class, floats))
                .isEqualTo(serializedSize(GradientBlock.class, doubles) - 4 * exact.length);
    }

    /** The same doubles, bit for bit (-0.0 is not 0.0). */
    private static void assertBitForBit(double[] actual, double[] expected) {
        assertThat(actual).hasSameSizeAs(expected);
        for (int i = 0; i < expected.length; i++) {
            assertThat(Double.doubleToRawLongBits(actual[i])).as("value %d", i)
                    .isEqualTo(Double.doubleToRawLongBits(expected[i]));
        }
    }

    private static <T> int serializedSize(Class<T> type, T value) throws IOException {
        DataOutputSerializer out = new DataOutputSerializer(64);
        TypeInformation.of(type).createSerializer(new SerializerConfigImpl()).serialize(value, out);
        return out.length();
    }

    @Test
    void modelVersionsComeBackWithEveryFieldAndValue() throws IOException {
        ModelVersion version = new ModelVersion("seed", 4, 1234, true, 5_000_000, 12, 321.25, 4_900_000,
                1_700_000_000_000L, new int[] {0, 1}, new long[] {600, 601}, doubles(12));
        assertThat(TypeInformation.of(ModelVersion.class).createSerializer(new SerializerConfigImpl()))
                .isInstanceOf(ModelVersionTypeSerializer.class);
        assertSameRecord(roundTrip(ModelVersion.class, version), version);
    }

    /**
     * Versions published for float32 workers (every parameter a float) are broadcast in half the
     * bytes; others, and what earlier builds wrote into broadcast state, as doubles.
     */
    @Test
    void floatVersionsTravelInHalfTheBytesAndComeBackBitForBit() throws IOException {
        double[] exact = ApplyOptimizer.roundedToFloats(doubles(101_770));
        ModelVersion floats = new ModelVersion("fashion", 0, 7, false, 3584, 0, 100.5, 3000, 1_700_000_000_000L,
                new int[] {0, 4}, new long[] {7, 7}, exact);
        ModelVersion back = roundTrip(ModelVersion.class, floats);
        assertSameRecord(back, floats);
        assertBitForBit(back.parameters(), exact);
        double[] mixed = exact.clone();
        mixed[5] = 0.1;
        ModelVersion doubles = new ModelVersion("fashion", 0, 7, false, 3584, 0, 100.5, 3000, 1_700_000_000_000L,
                new int[] {0, 4}, new long[] {7, 7}, mixed);
        assertSameRecord(roundTrip(ModelVersion.class, doubles), doubles);
        assertThat(serializedSize(ModelVersion.class, floats))
                .isEqualTo(serializedSize(ModelVersion.class, doubles) - 4 * exact.length);
    }
}
