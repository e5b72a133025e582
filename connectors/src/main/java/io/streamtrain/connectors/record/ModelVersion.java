package io.streamtrain.connectors.record;

import io.streamtrain.connectors.typeutils.ModelVersionTypeSerializer;
import org.apache.flink.api.common.typeinfo.TypeInfo;

/**
 * A full version of one model's parameters, as the updater publishes it on the parameters topic.
 *
 * <p>Stamped {@code (generation, version)}: workers keep the highest, compared generation first,
 * so duplicates and replays are harmless and a restored updater's new timeline wins. Counters
 * are cumulative since the start of the run (of this generation's timeline), so any single
 * message tells the whole progress.
 *
 * @param last true on the final version of a bounded run; the parameters source ends on it
 * @param lossSum summed prequential loss of every row trained so far
 * @param correct rows whose prequential prediction was right, so far
 * @param publishedAtMillis wall-clock time the updater produced this version
 * @param shardKeys the gradient shards heard from so far
 * @param shardBlocks for each of {@code shardKeys}, the gradient blocks with rows the updater has
 *     consumed from it (applied or dropped): a worker's blocks in flight are those it sent minus
 *     these, which is how workers bound their staleness
 * @param parameters flat parameters, layout W1, b1, W2, b2, ... with W row-major (in x out)
 */
@TypeInfo(ModelVersionTypeSerializer.Factory.class)
public record ModelVersion(
        String model,
        long generation,
        long version,
        boolean last,
        long rowsTrained,
        long rowsRejected,
        double lossSum,
        long correct,
        long publishedAtMillis,
        int[] shardKeys,
        long[] shardBlocks,
        double[] parameters) {

    /** Blocks consumed from {@code shardKey} (0 if never heard from). */
    public long blocksConsumed(int shardKey) {
        for (int i = 0; i < shardKeys.length; i++) {
            if (shardKeys[i] == shardKey) {
                return shardBlocks[i];
            }
        }
        return 0;
    }

    /** True when this version supersedes {@code other} (null counts as older than anything). */
    public boolean isNewerThan(ModelVersion other) {
        if (other == null) {
            return true;
        }
        if (generation != other.generation) {
            return generation > other.generation;
        }
        return version > other.version;
    }

    public double prequentialLoss() {
        return rowsTrained == 0 ? Double.NaN : lossSum / rowsTrained;
    }

    public double prequentialAccuracy() {
        return rowsTrained == 0 ? Double.NaN : (double) correct / rowsTrained;
    }
}
