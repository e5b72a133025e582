package io.streamtrain.config;

import java.io.Serializable;

/**
 * Where a model's timeline starts, decided when the job is built and handed to the gradient
 * workers and the updater with the model's {@link ModelSpec}: version 0 of a cold start, or a
 * stored version to warm-start from.
 *
 * <p>The first version the updater publishes is {@code version + 1} of {@code generation}; until
 * it arrives, workers compute on {@code parameters} as version {@code (generation, version)}.
 *
 * @param generation the timeline's generation (a restore of the job raises it further)
 * @param version the version the parameters are; new versions count on from it
 * @param step optimizer steps already applied (the learning-rate schedule and Adam's bias
 *     correction continue from it)
 * @param parameters flat parameters, layout W1, b1, W2, b2, ...
 * @param optimizerState the optimizer's state ({@code slots x parameters} values)
 * @param parentModel the model warm-started from, or null for a cold start
 * @param parentVersion the version warm-started from, or -1 for a cold start
 */
public record StartPoint(long generation, long version, long step, double[] parameters, double[] optimizerState,
        String parentModel, long parentVersion) implements Serializable {

    /** A cold start from {@code parameters} and zero optimizer state, as version {@code version}. */
    public static StartPoint cold(long generation, long version, double[] parameters, int optimizerStateSize) {
        return new StartPoint(generation, version, 0, parameters.clone(), new double[optimizerStateSize], null, -1);
    }

    /** True for a warm start from a stored version. */
    public boolean warm() {
        return parentModel != null;
    }

    @Override
    public String toString() {
        return (warm() ? "warm start from " + parentModel + ":" + parentVersion : "cold start")
                + " as generation " + generation + ", version " + version + ", step " + step;
    }
}
