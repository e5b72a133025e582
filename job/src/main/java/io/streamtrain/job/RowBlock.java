package io.streamtrain.job;

import org.apache.flink.api.common.typeinfo.TypeInfo;

/**
 * A mini-batch of parsed rows, the unit shuffled to the gradient workers.
 *
 * <p>Features travel as floats, or, when every row of the block came with 8-bit features (the
 * dense format's uint8 rows, such as pixels), as those bytes and the scale the parser applies to
 * them: a quarter of the bytes on the network and in the workers' heap while a block waits. Read
 * them with {@link #features(float[])}, which gives the same floats the parser wrote, bit for bit.
 *
 * @param shardKey the key that routes the block to one gradient worker
 * @param rows rows in the block (0 for a block that only carries rejections or ends the input)
 * @param rejected rows rejected to the dead-letter topic since the previous block of this parser
 * @param features rows x features, row-major; empty when {@code features8} holds them
 * @param labels rows x label width, row-major
 * @param partitions source partitions the rows (and rejections) came from
 * @param nextOffsets for each of {@code partitions}, the offset after the last row consumed
 * @param endOfInput true on the marker each parser sends every shard when its input ends
 * @param features8 rows x features unsigned 8-bit values, row-major, or null when {@code features} holds them
 * @param scale8 what each of {@code features8} is multiplied by (the parser's {@code data.feature-scale})
 */
@TypeInfo(RowBlockSerializer.Factory.class)
public record RowBlock(
        int shardKey, int rows, int rejected, float[] features, float[] labels, int[] partitions, long[] nextOffsets,
        boolean endOfInput, byte[] features8, float scale8) {

    private static final float[] NONE = new float[0];

    /** A block whose features are floats. */
    public RowBlock(int shardKey, int rows, int rejected, float[] features, float[] labels, int[] partitions,
            long[] nextOffsets, boolean endOfInput) {
        this(shardKey, rows, rejected, features, labels, partitions, nextOffsets, endOfInput, null, 0f);
    }

    /** A block whose features are unsigned 8-bit values, each times {@code scale}. */
    public static RowBlock ofBytes(int shardKey, int rows, int rejected, byte[] features8, float scale, float[] labels,
            int[] partitions, long[] nextOffsets) {
        return new RowBlock(shardKey, rows, rejected, NONE, labels, partitions, nextOffsets, false, features8, scale);
    }

    /**
     * The features as floats: {@link #features()} itself, or the 8-bit values times the scale
     * written into {@code scratch} (grown when too small; the caller keeps what is returned).
     */
    public float[] features(float[] scratch) {
        if (features8 == null) {
            return features;
        }
        float[] out = scratch != null && scratch.length >= features8.length ? scratch : new float[features8.length];
        for (int i = 0; i < features8.length; i++) {
            out[i] = (features8[i] & 0xff) * scale8;
        }
        return out;
    }

    /** Reads blocks' features as floats, decoding 8-bit ones into one buffer it keeps for the next block. */
    public static final class FloatFeatures {
        private float[] buffer;

        /** The block's features as floats; valid until the next call. */
        public float[] of(RowBlock block) {
            float[] x = block.features(buffer);
            if (block.features8() != null) {
                buffer = x;
            }
            return x;
        }
    }
}
