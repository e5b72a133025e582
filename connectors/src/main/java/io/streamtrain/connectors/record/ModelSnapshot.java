package io.streamtrain.connectors.record;

import java.util.Arrays;
import java.util.Objects;

/**
 * One versioned snapshot of a model as written to the SQL snapshot tables: the header (progress,
 * metrics, provenance) and the full flat parameter vector.
 *
 * <p>Metrics that are not known (no rows yet, no holdout set, ...) are {@code NaN}; they are stored
 * as SQL {@code NULL} and read back as {@code NaN}.
 *
 * <p>Parameter layout for layer sizes {@code s0..sL}: {@code W1} ({@code s0 x s1}, row-major, so
 * {@code W[i][j]} is at {@code i*s1 + j}), {@code b1} ({@code s1}), {@code W2} ({@code s1 x s2}),
 * {@code b2}, ... — the same layout as {@link ModelVersion#parameters()}.
 *
 * <p>Unlike a plain record, {@link #equals(Object)} and {@link #hashCode()} compare the arrays by
 * content (doubles bit-wise, so {@code NaN} equals {@code NaN}). The arrays are not copied: do not
 * mutate them after handing a snapshot over.
 *
 * @param model model name (at most 200 characters when written to SQL)
 * @param generation timeline generation the version belongs to
 * @param version version number; (model, version) is the snapshot's key
 * @param last true on the final version of a bounded run; never removed by retention
 * @param createdAtMillis wall-clock epoch millis the snapshot was taken
 * @param layerSizes layer sizes {@code s0..sL}, input first
 * @param configHash hash of the training configuration that produced the model
 * @param sourceOffsets the source (Kafka) offsets the snapshot reflects, free-form text
 * @param parameters flat parameters, layout W1, b1, W2, b2, ... (see above)
 */
public record ModelSnapshot(
        String model,
        long generation,
        long version,
        boolean last,
        long createdAtMillis,
        long rowsTrained,
        long rowsRejected,
        double prequentialLoss,
        double prequentialAccuracy,
        double holdoutLoss,
        double holdoutAccuracy,
        double learningRate,
        double stalenessMean,
        long stalenessMax,
        String architectureJson,
        int[] layerSizes,
        String configHash,
        String sourceOffsets,
        double[] parameters) {

    /**
     * Number of parameters of a dense network with the given layer sizes (0 for null or fewer than
     * two layers).
     */
    public static long parameterCount(int[] layerSizes) {
        if (layerSizes == null || layerSizes.length < 2) {
            return 0;
        }
        long n = 0;
        for (int l = 1; l < layerSizes.length; l++) {
            n += (long) layerSizes[l - 1] * layerSizes[l] + layerSizes[l];
        }
        return n;
    }

    @Override
    public boolean equals(Object o) {
        if (this == o) {
            return true;
        }
        if (!(o instanceof ModelSnapshot other)) {
            return false;
        }
        return generation == other.generation
                && version == other.version
                && last == other.last
                && createdAtMillis == other.createdAtMillis
                && rowsTrained == other.rowsTrained
                && rowsRejected == other.rowsRejected
                && Double.compare(prequentialLoss, other.prequentialLoss) == 0
                && Double.compare(prequentialAccuracy, other.prequentialAccuracy) == 0
                && Double.compare(holdoutLoss, other.holdoutLoss) == 0
                && Double.compare(holdoutAccuracy, other.holdoutAccuracy) == 0
                && Double.compare(learningRate, other.learningRate) == 0
                && Double.compare(stalenessMean, other.stalenessMean) == 0
                && stalenessMax == other.stalenessMax
                && Objects.equals(model, other.model)
                && Objects.equals(architectureJson, other.architectureJson)
                && Arrays.equals(layerSizes, other.layerSizes)
                && Objects.equals(configHash, other.configHash)
                && Objects.equals(sourceOffsets, other.sourceOffsets)
                && Arrays.equals(parameters, other.parameters);
    }

    @Override
    public int hashCode() {
        int h = Objects.hash(model, generation, version, last, createdAtMillis, rowsTrained, rowsRejected,
                prequentialLoss, prequentialAccuracy, holdoutLoss, holdoutAccuracy, learningRate,
                stalenessMean, stalenessMax, architectureJson, configHash, sourceOffsets);
        h = 31 * h + Arrays.hashCode(layerSizes);
        return 31 * h + Arrays.hashCode(parameters);
    }

    /** Header fields in full; the parameters only by count (they can be millions). */
    @Override
    public String toString() {
        return "ModelSnapshot[model=" + model
                + ", generation=" + generation
                + ", version=" + version
                + ", last=" + last
                + ", createdAtMillis=" + createdAtMillis
                + ", rowsTrained=" + rowsTrained
                + ", rowsRejected=" + rowsRejected
                + ", prequentialLoss=" + prequentialLoss
                + ", prequentialAccuracy=" + prequentialAccuracy
                + ", holdoutLoss=" + holdoutLoss
                + ", holdoutAccuracy=" + holdoutAccuracy
                + ", learningRate=" + learningRate
                + ", stalenessMean=" + stalenessMean
                + ", stalenessMax=" + stalenessMax
                + ", architectureJson=" + architectureJson
                + ", layerSizes=" + Arrays.toString(layerSizes)
                + ", configHash=" + configHash
                + ", sourceOffsets=" + sourceOffsets
                + ", parameters=" + (parameters == null ? "null" : "double[" + parameters.length + "]")
                + "]";
    }
}
