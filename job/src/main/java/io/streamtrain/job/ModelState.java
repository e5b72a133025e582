package io.streamtrain.job;

/**
 * Everything the parameter updater keeps per model, in keyed state: the parameters, the
 * optimizer's state, and the counters behind the metrics. Replaced, never mutated in place.
 *
 * @param step optimizer steps applied (the version is {@code step} within a run)
 * @param windowRows rows trained since the last snapshot; with {@code windowLossSum},
 *     {@code windowCorrect} the prequential score of the snapshot
 * @param stalenessSum summed staleness (versions behind) of the blocks applied
 * @param offsets per source partition p, {@code offsets[p]} is the offset after the last row trained
 * @param shardKeys shards heard from
 * @param shardBlocks per shard, blocks with rows consumed (applied or dropped)
 * @param shardsEnded shards whose input has ended
 */
public record ModelState(
        long generation,
        long version,
        long step,
        double[] parameters,
        double[] optimizerState,
        long rowsTrained,
        long rowsRejected,
        double lossSum,
        long correct,
        long windowRows,
        double windowLossSum,
        long windowCorrect,
        long blocksApplied,
        long blocksDropped,
        long updatesRefused,
        long stalenessSum,
        long stalenessMax,
        long lastSnapshotVersion,
        long lastSnapshotMillis,
        long[] offsets,
        int[] shardKeys,
        long[] shardBlocks,
        int shardsEnded) {}
