package io.streamtrain.job;

import org.apache.flink.api.common.typeinfo.TypeInfo;

/**
 * The summed gradient of one model over one block, and the block's prequential score.
 *
 * @param baseGeneration generation of the parameters the gradient was computed on
 * @param baseVersion version of the parameters the gradient was computed on
 * @param gradient sum over the block's rows of dLoss/dTheta (no regularisation)
 * @param lossSum summed loss of the rows, scored before training on them
 * @param correct rows predicted right before training on them
 * @param endOfInput true on the marker a worker sends when its input has ended (no rows)
 */
@TypeInfo(GradientBlockSerializer.Factory.class)
public record GradientBlock(
        String model,
        int shardKey,
        long baseGeneration,
        long baseVersion,
        double[] gradient,
        int rows,
        double lossSum,
        long correct,
        int rejected,
        boolean endOfInput,
        int[] partitions,
        long[] nextOffsets) {}
