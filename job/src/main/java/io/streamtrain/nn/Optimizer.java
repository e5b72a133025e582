package io.streamtrain.nn;

import java.io.Serializable;

/**
 * An update rule that changes parameters in place from a gradient. Its per-parameter state
 * (moments, accumulators) is kept by the caller in one flat array of {@code slots() * n} values,
 * so that it can live in Flink state and survive a restore.
 */
public interface Optimizer extends Serializable {

    /** Number of per-parameter state arrays the rule needs (0 for plain SGD). */
    int slots();

    /**
     * Applies one step in place.
     *
     * @param theta parameters, updated in place
     * @param g the gradient at theta (mean over the batch, regularisation included)
     * @param state {@code slots() * theta.length} values, updated in place
     * @param step the step number, from 1
     * @param learningRate the learning rate of this step
     */
    void update(double[] theta, double[] g, double[] state, long step, double learningRate);

    /** The configuration spelling, e.g. {@code sgd}. */
    String name();
}
