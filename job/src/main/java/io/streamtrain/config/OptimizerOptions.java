package io.streamtrain.config;

import static org.apache.flink.configuration.ConfigOptions.key;

import java.util.List;
import org.apache.flink.configuration.ConfigOption;

/** The update rule applied by the parameter updater. */
public final class OptimizerOptions {
    private OptimizerOptions() {}

    public static final ConfigOption<String> NAME = key("optimizer.name").stringType().defaultValue("sgd")
            .withDescription("Optimizer: sgd, momentum, nesterov, adagrad, rmsprop or adam.");

    public static final ConfigOption<Double> LEARNING_RATE = key("optimizer.learning-rate").doubleType()
            .defaultValue(0.5).withDescription("Learning rate, > 0.");

    public static final ConfigOption<Double> L2 = key("optimizer.l2").doubleType().defaultValue(1e-3)
            .withDescription("L2 regularisation on weights (not biases), >= 0: adds l2 * W to the mean gradient.");

    public static final ConfigOption<Double> MOMENTUM = key("optimizer.momentum").doubleType().defaultValue(0.9)
            .withDescription("Momentum coefficient mu of momentum and nesterov, in [0, 1).");

    public static final ConfigOption<Double> BETA1 = key("optimizer.beta1").doubleType().defaultValue(0.9)
            .withDescription("Adam's first-moment decay, in [0, 1).");

    public static final ConfigOption<Double> BETA2 = key("optimizer.beta2").doubleType().defaultValue(0.999)
            .withDescription("Adam's second-moment decay, in [0, 1).");

    public static final ConfigOption<Double> RHO = key("optimizer.rho").doubleType().defaultValue(0.9)
            .withDescription("RMSProp's decay of the squared-gradient average, in [0, 1).");

    public static final ConfigOption<Double> EPSILON = key("optimizer.epsilon").doubleType().defaultValue(1e-8)
            .withDescription("Denominator guard of adagrad, rmsprop and adam, > 0.");

    public static final ConfigOption<Double> CLIP_NORM = key("optimizer.clip-norm").doubleType().defaultValue(0.0)
            .withDescription("Scale the gradient down to this L2 norm when it is longer (0 = no clipping).");

    public static final ConfigOption<String> SCHEDULE = key("optimizer.schedule").stringType().defaultValue("constant")
            .withDescription("Learning-rate schedule: constant, step (x gamma every step-size steps), inverse-time "
                    + "(/ (1 + decay (t - 1))), or cosine or linear (from the learning rate down to schedule-floor x it "
                    + "over schedule-steps steps, then constant).");

    public static final ConfigOption<Double> SCHEDULE_GAMMA = key("optimizer.schedule-gamma").doubleType().defaultValue(0.5)
            .withDescription("Factor of the step schedule, in (0, 1].");

    public static final ConfigOption<Long> SCHEDULE_STEP_SIZE = key("optimizer.schedule-step-size").longType()
            .defaultValue(1000L).withDescription("Steps between two decays of the step schedule, >= 1.");

    public static final ConfigOption<Double> SCHEDULE_DECAY = key("optimizer.schedule-decay").doubleType()
            .defaultValue(1e-3).withDescription("Decay of the inverse-time schedule, >= 0.");

    public static final ConfigOption<Long> SCHEDULE_STEPS = key("optimizer.schedule-steps").longType()
            .defaultValue(0L).withDescription("Optimizer steps over which the cosine and linear schedules decay, "
                    + ">= 0; 0 = the run's expected steps, ceil(data.rows x data.epochs / (training.batch-size x "
                    + "training.window-blocks)), in local mode a replica's (job.shards in place of "
                    + "training.window-blocks); it needs data.rows > 0 (set it to the rows of one pass).");

    public static final ConfigOption<Double> SCHEDULE_FLOOR = key("optimizer.schedule-floor").doubleType()
            .defaultValue(0.0).withDescription("Share of the learning rate that the cosine and linear schedules "
                    + "decay to and keep after schedule-steps, in [0, 1].");

    static List<ConfigOption<?>> all() {
        return List.of(NAME, LEARNING_RATE, L2, MOMENTUM, BETA1, BETA2, RHO, EPSILON, CLIP_NORM, SCHEDULE,
                SCHEDULE_GAMMA, SCHEDULE_STEP_SIZE, SCHEDULE_DECAY, SCHEDULE_STEPS, SCHEDULE_FLOOR);
    }
}
