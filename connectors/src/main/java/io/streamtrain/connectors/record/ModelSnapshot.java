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
 * @param holdoutPrecision precision of class 1 on the held-out rows (two-class models; else NaN)
 * @param holdoutRecall recall of class 1 on the held-out rows (two-class models; else NaN)
 * @param holdoutF1 F1 score of class 1 on the held-out rows (two-class models; else NaN)
 * @param blocksDropped gradient blocks dropped so far as staler than the configured bound
 * @param updatesRefused optimizer steps refused so far because the update was not finite
 * @param createdAtMillis wall-clock epoch millis the snapshot was taken
 * @param layerSizes layer sizes {@code s0..sL}, input first
 * @param configHash hash of the training configuration that produced the model
 * @param sourceOffsets the source (Kafka) offsets the snapshot reflects, free-form text
 * @param parameters flat parameters, layout W1, b1, W2, b2, ... (see above); null when read back
 *     for a version whose cells retention removed
 * @param optimizerStep optimizer steps applied so far (the learning-rate schedule and Adam's bias
 *     correction continue from it); -1 when unknown
 * @param parentModel the model this timeline was warm-started from, or null for a cold start
 * @param parentVersion the version it was warm-started from, or -1 for a cold start
 * @param optimizer the optimizer whose state {@code optimizerState} is (e.g. {@code adam}), or null
 * @param optimizerState the optimizer's per-parameter state ({@code slots x parameters} values, slot
 *     after slot), empty for stateless optimizers such as plain SGD; null when not stored
 * @param divergences versions so far whose loss jumped so far above its recent level that the
 *     updater went back to the last good parameters (training.divergence-factor)
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
        double holdoutPrecision,
        double holdoutRecall,
        double holdoutF1,
        double learningRate,
        double stalenessMean,
        long stalenessMax,
        long blocksDropped,
        long updatesRefused,
        String architectureJson,
        int[] layerSizes,
        String configHash,
        String sourceOffsets,
        double[] parameters,
        long optimizerStep,
        String parentModel,
        long parentVersion,
        String optimizer,
        double[] optimizerState,
        long divergences) {

    /** A snapshot of a model whose divergence guard never fired (or that has none). */
    public ModelSnapshot(String model, long generation, long version, boolean last, long createdAtMillis,
            long rowsTrained, long rowsRejected, double prequentialLoss, double prequentialAccuracy,
            double holdoutLoss, double holdoutAccuracy, double holdoutPrecision, double holdoutRecall,
            double holdoutF1, double learningRate, double stalenessMean, long stalenessMax, long blocksDropped,
            long updatesRefused, String architectureJson, int[] layerSizes, String configHash,
            String sourceOffsets, double[] parameters, long optimizerStep, String parentModel, long parentVersion,
            String optimizer, double[] optimizerState) {
        this(model, generation, version, last, createdAtMillis, rowsTrained, rowsRejected, prequentialLoss,
                prequentialAccuracy, holdoutLoss, holdoutAccuracy, holdoutPrecision, holdoutRecall, holdoutF1,
                learningRate, stalenessMean, stalenessMax, blocksDropped, updatesRefused, architectureJson,
                layerSizes, configHash, sourceOffsets, parameters, optimizerStep, parentModel, parentVersion,
                optimizer, optimizerState, 0);
    }

    /** A snapshot without optimizer state or lineage (step unknown, cold start). */
    public ModelSnapshot(String model, long generation, long version, boolean last, long createdAtMillis,
            long rowsTrained, long rowsRejected, double prequentialLoss, double prequentialAccuracy,
            double holdoutLoss, double holdoutAccuracy, double holdoutPrecision, double holdoutRecall,
            double holdoutF1, double learningRate, double stalenessMean, long stalenessMax, long blocksDropped,
            long updatesRefused, String architectureJson, int[] layerSizes, String configHash,
            String sourceOffsets, double[] parameters) {
        this(model, generation, version, last, createdAtMillis, rowsTrained, rowsRejected, prequentialLoss,
                prequentialAccuracy, holdoutLoss, holdoutAccuracy, holdoutPrecision, holdoutRecall, holdoutF1,
                learningRate, stalenessMean, stalenessMax, blocksDropped, updatesRefused, architectureJson,
                layerSizes, configHash, sourceOffsets, parameters, -1, null, -1, null, null);
    }

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

    /** This snapshot with other parameters (the arrays are not copied). */
    public ModelSnapshot withParameters(double[] newParameters) {
        return new ModelSnapshot(model, generation, version, last, createdAtMillis, rowsTrained, rowsRejected,
                prequentialLoss, prequentialAccuracy, holdoutLoss, holdoutAccuracy, holdoutPrecision, holdoutRecall,
                holdoutF1, learningRate, stalenessMean, stalenessMax, blocksDropped, updatesRefused, architectureJson,
                layerSizes, configHash, sourceOffsets, newParameters, optimizerStep, parentModel, parentVersion,
                optimizer, optimizerState, divergences);
    }

    /** This snapshot with its held-out metrics set (NaN where unknown). */
    public ModelSnapshot withHoldout(double loss, double accuracy, double precision, double recall, double f1) {
        return new ModelSnapshot(model, generation, version, last, createdAtMillis, rowsTrained, rowsRejected,
                prequentialLoss, prequentialAccuracy, loss, accuracy, precision, recall, f1, learningRate,
                stalenessMean, stalenessMax, blocksDropped, updatesRefused, architectureJson, layerSizes, configHash,
                sourceOffsets, parameters, optimizerStep, parentModel, parentVersion, optimizer, optimizerState,
                divergences);
    }

    /** This snapshot with its optimizer state (the array is not copied). */
    public ModelSnapshot withOptimizerState(String newOptimizer, double[] newState) {
        return new ModelSnapshot(model, generation, version, last, createdAtMillis, rowsTrained, rowsRejected,
                prequentialLoss, prequentialAccuracy, holdoutLoss, holdoutAccuracy, holdoutPrecision, holdoutRecall,
                holdoutF1, learningRate, stalenessMean, stalenessMax, blocksDropped, updatesRefused, architectureJson,
                layerSizes, configHash, sourceOffsets, parameters, optimizerStep, parentModel, parentVersion,
                newOptimizer, newState, divergences);
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
                && Double.compare(holdoutPrecision, other.holdoutPrecision) == 0
                && Double.compare(holdoutRecall, other.holdoutRecall) == 0
                && Double.compare(holdoutF1, other.holdoutF1) == 0
                && Double.compare(learningRate, other.learningRate) == 0
                && Double.compare(stalenessMean, other.stalenessMean) == 0
                && stalenessMax == other.stalenessMax
                && blocksDropped == other.blocksDropped
                && updatesRefused == other.updatesRefused
                && Objects.equals(model, other.model)
                && Objects.equals(architectureJson, other.architectureJson)
                && Arrays.equals(layerSizes, other.layerSizes)
                && Objects.equals(configHash, other.configHash)
                && Objects.equals(sourceOffsets, other.sourceOffsets)
                && Arrays.equals(parameters, other.parameters)
                && optimizerStep == other.optimizerStep
                && Objects.equals(parentModel, other.parentModel)
                && parentVersion == other.parentVersion
                && Objects.equals(optimizer, other.optimizer)
                && Arrays.equals(optimizerState, other.optimizerState)
                && divergences == other.divergences;
    }

    @Override
    public int hashCode() {
        int h = Objects.hash(model, generation, version, last, createdAtMillis, rowsTrained, rowsRejected,
                prequentialLoss, prequentialAccuracy, holdoutLoss, holdoutAccuracy, holdoutPrecision, holdoutRecall,
                holdoutF1, learningRate, stalenessMean, stalenessMax, blocksDropped, updatesRefused, architectureJson,
                configHash, sourceOffsets, optimizerStep, parentModel, parentVersion, optimizer, divergences);
        h = 31 * h + Arrays.hashCode(layerSizes);
        h = 31 * h + Arrays.hashCode(optimizerState);
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
                + ", holdoutPrecision=" + holdoutPrecision
                + ", holdoutRecall=" + holdoutRecall
                + ", holdoutF1=" + holdoutF1
                + ", learningRate=" + learningRate
                + ", stalenessMean=" + stalenessMean
                + ", stalenessMax=" + stalenessMax
                + ", blocksDropped=" + blocksDropped
                + ", updatesRefused=" + updatesRefused
                + ", architectureJson=" + architectureJson
                + ", layerSizes=" + Arrays.toString(layerSizes)
                + ", configHash=" + configHash
                + ", sourceOffsets=" + sourceOffsets
                + ", parameters=" + (parameters == null ? "null" : "double[" + parameters.length + "]")
                + ", optimizerStep=" + optimizerStep
                + ", parentModel=" + parentModel
                + ", parentVersion=" + parentVersion
                + ", optimizer=" + optimizer
                + ", optimizerState=" + (optimizerState == null ? "null" : "double[" + optimizerState.length + "]")
                + ", divergences=" + divergences
                + "]";
    }
}
