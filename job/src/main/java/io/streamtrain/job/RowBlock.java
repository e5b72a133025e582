package io.streamtrain.job;

import org.apache.flink.api.common.typeinfo.TypeInfo;

/**
 * A mini-batch of parsed rows, the unit shuffled to the gradient workers.
 *
 * @param shardKey the key that routes the block to one gradient worker
 * @param rows rows in the block (0 for a block that only carries rejections or ends the input)
 * @param rejected rows rejected to the dead-letter topic since the previous block of this parser
 * @param features rows x features, row-major
 * @param labels rows x label width, row-major
 * @param partitions source partitions the rows (and rejections) came from
 * @param nextOffsets for each of {@code partitions}, the offset after the last row consumed
 * @param endOfInput true on the marker each parser sends every shard when its input ends
 */
@TypeInfo(RowBlockSerializer.Factory.class)
public record RowBlock(
        int shardKey, int rows, int rejected, float[] features, float[] labels, int[] partitions, long[] nextOffsets,
        boolean endOfInput) {}
