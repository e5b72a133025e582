package io.streamtrain.config;

import io.streamtrain.connectors.jdbc.SqlIdentifiers;
import io.streamtrain.connectors.record.NetworkSpec;
import io.streamtrain.nn.Activation;
import io.streamtrain.nn.Architecture;
import io.streamtrain.nn.Initializer;
import io.streamtrain.nn.LearningRateSchedule;
import io.streamtrain.nn.Loss;
import io.streamtrain.nn.Optimizer;
import io.streamtrain.nn.Optimizers;
import io.streamtrain.nn.UpdateRule;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Stream;
import org.apache.flink.configuration.ConfigOption;
import org.apache.flink.configuration.Configuration;

/**
 * The model.* and optimizer.* settings of one model: the top-level sections, overlaid with the
 * model's own {@code models.<id>.*} keys when it is an entry of the models list.
 *
 * <p>Every message names the key the offending value came from: {@code models.<id>.optimizer.l2}
 * when the entry set it, {@code optimizer.l2} when it was inherited.
 *
 * <p>{@code model.init-from} is the exception to inheritance: with a models list its entries name
 * the models they start, so an entry takes the one naming its own id (or its own
 * {@code models.<id>.model.init-from}), never the whole list.
 */
final class ModelSettings {
    /** The prefix of every per-model key. */
    static final String MODELS_PREFIX = ModelOptions.MODELS.key() + ".";

    /** Model ids: safe as keys, in dotted configuration keys, in SQL values and in logs. */
    static final String ID_PATTERN = "[A-Za-z][A-Za-z0-9_-]{0,63}";

    /** The keys a models entry may override, in the order of the options classes. */
    static final List<ConfigOption<?>> OPTIONS = Stream.of(ModelOptions.perModel(), OptimizerOptions.all())
            .flatMap(List::stream).toList();

    private final String id;
    private final String prefix;
    private final Map<String, String> own;
    /** The effective values as written, {@code ${env:..}} placeholders and all (for the hash and messages). */
    private final Map<String, String> written;
    private final Configuration configuration;
    /** The run's expected optimizer steps (see {@link OptimizerOptions#SCHEDULE_STEPS}), 0 when unknown. */
    private final long runSteps;

    /**
     * @param values every explicitly set key of the configuration
     * @param raw the same as written, before {@code ${env:..}} substitution
     * @param id the model's id
     * @param entry true for an entry of the models list, false for the single top-level model
     * @param runSteps the run's expected optimizer steps, 0 when unknown: the length of the cosine
     *     and linear schedules unless optimizer.schedule-steps sets it
     */
    ModelSettings(Map<String, String> values, Map<String, String> raw, String id, boolean entry, long runSteps) {
        this.id = id;
        this.runSteps = runSteps;
        this.prefix = entry ? MODELS_PREFIX + id + "." : "";
        Map<String, String> effective = new LinkedHashMap<>();
        this.own = new LinkedHashMap<>();
        this.written = new LinkedHashMap<>();
        for (ConfigOption<?> option : OPTIONS) {
            boolean listed = entry && option == ModelOptions.INIT_FROM;
            String inherited = listed ? listedFor(values.get(option.key()), id) : values.get(option.key());
            if (inherited != null) {
                effective.put(option.key(), inherited);
                written.put(option.key(), listed ? inherited : raw.getOrDefault(option.key(), inherited));
            }
            String overridden = entry ? values.get(prefix + option.key()) : null;
            if (overridden != null) {
                effective.put(option.key(), overridden);
                own.put(option.key(), overridden);
                written.put(option.key(), raw.getOrDefault(prefix + option.key(), overridden));
            }
        }
        this.configuration = Configuration.fromMap(effective);
    }

    /** The entry of a {@code model.init-from} list that names model {@code id}, or null. */
    private static String listedFor(String list, String id) {
        if (list == null) {
            return null;
        }
        List<String> items;
        try {
            items = Configuration.fromMap(Map.of(ModelOptions.INIT_FROM.key(), list)).get(ModelOptions.INIT_FROM);
        } catch (IllegalArgumentException e) {
            return null; // reported, naming the key, when the configuration is validated
        }
        for (String item : items) {
            int colon = item.lastIndexOf(':');
            if (colon > 0 && item.substring(0, colon).trim().equals(id)) {
                return item.trim();
            }
        }
        return null;
    }

    String id() {
        return id;
    }

    /** The key a value of {@code option} came from, for messages. */
    String key(ConfigOption<?> option) {
        return prefix.isEmpty() || !own.containsKey(option.key()) ? option.key() : prefix + option.key();
    }

    <T> T get(ConfigOption<T> option) {
        return configuration.get(option);
    }

    Architecture architecture() {
        int[] sizes = get(ModelOptions.LAYERS).stream().mapToInt(Integer::intValue).toArray();
        return new Architecture(sizes, Activation.fromConfig(get(ModelOptions.HIDDEN_ACTIVATION)),
                Activation.fromConfig(get(ModelOptions.OUTPUT)), Loss.fromConfig(get(ModelOptions.LOSS)));
    }

    /** The input feature names: model.feature-names, or x1..xn. */
    List<String> features() {
        List<String> names = get(ModelOptions.FEATURE_NAMES);
        return names.isEmpty() ? NetworkSpec.defaultFeatures(architecture().inputs()) : names;
    }

    /** The snapshot this model warm-starts from, or null for a cold start. */
    InitFrom initFrom() {
        List<String> items = get(ModelOptions.INIT_FROM);
        return items.isEmpty() ? null : InitFrom.parse(items.get(0).trim(), key(ModelOptions.INIT_FROM));
    }

    double[] initialParameters() {
        return Initializer.fromConfig(get(ModelOptions.INIT))
                .initialize(architecture(), get(ModelOptions.SEED), get(ModelOptions.INIT_SCALE));
    }

    UpdateRule updateRule() {
        return new UpdateRule(architecture(), optimizer(), get(OptimizerOptions.LEARNING_RATE), get(OptimizerOptions.L2),
                get(OptimizerOptions.CLIP_NORM), schedule());
    }

    /** A one-line description of the optimizer, e.g. {@code adam lr 0.001 l2 0.001 clip 5.0}. */
    String describeOptimizer() {
        StringBuilder s = new StringBuilder(get(OptimizerOptions.NAME).trim().toLowerCase(Locale.ROOT))
                .append(" lr ").append(get(OptimizerOptions.LEARNING_RATE));
        String schedule = get(OptimizerOptions.SCHEDULE).trim().toLowerCase(Locale.ROOT);
        if (!schedule.equals("constant")) {
            s.append(' ').append(schedule);
        }
        if (LearningRateSchedule.DECAYING_TO_FLOOR.contains(schedule)) {
            s.append(String.format(Locale.ROOT, " over %,d steps", scheduleSteps()));
            if (get(OptimizerOptions.SCHEDULE_FLOOR) > 0) {
                s.append(" to ").append(get(OptimizerOptions.SCHEDULE_FLOOR)).append('x');
            }
        }
        if (get(OptimizerOptions.L2) > 0) {
            s.append(" l2 ").append(get(OptimizerOptions.L2));
        }
        if (get(OptimizerOptions.CLIP_NORM) > 0) {
            s.append(" clip ").append(get(OptimizerOptions.CLIP_NORM));
        }
        return s.toString();
    }

    /**
     * The effective settings as {@code key=value} lines (the model's share of the config hash). A
     * value given as an {@code ${env:NAME}} placeholder enters as written, not as what it stands for.
     */
    List<String> describe() {
        List<String> lines = new ArrayList<>();
        lines.add(ModelOptions.ID.key() + "=" + id);
        for (ConfigOption<?> option : OPTIONS) {
            String given = written.get(option.key());
            lines.add(option.key() + "=" + (given != null && given.contains("${env:") ? given : get(option)));
        }
        return lines;
    }

    /** Checks every value; the message names the key it came from. */
    void validate(int shards, int maxMessageBytes) {
        for (ConfigOption<?> option : OPTIONS) {
            try {
                get(option);
            } catch (IllegalArgumentException e) {
                throw new ConfigException(key(option) + ": cannot read '" + written.get(option.key())
                        + "' as " + StreamtrainConfig.describeType(option) + " (" + StreamtrainConfig.rootMessage(e)
                        + ")");
            }
        }
        atLeast(ModelOptions.INIT_SCALE, 0.0, false);
        List<Integer> layers = get(ModelOptions.LAYERS);
        if (layers.size() < 2 || layers.stream().anyMatch(s -> s < 1)) {
            throw new ConfigException(key(ModelOptions.LAYERS) + ": needs at least two sizes, each >= 1, got " + layers);
        }
        enumValue(ModelOptions.HIDDEN_ACTIVATION, () -> Activation.fromConfig(get(ModelOptions.HIDDEN_ACTIVATION)));
        enumValue(ModelOptions.OUTPUT, () -> Activation.fromConfig(get(ModelOptions.OUTPUT)));
        enumValue(ModelOptions.LOSS, () -> Loss.fromConfig(get(ModelOptions.LOSS)));
        enumValue(ModelOptions.INIT, () -> Initializer.fromConfig(get(ModelOptions.INIT)));
        try {
            architecture();
        } catch (IllegalArgumentException e) {
            throw new ConfigException(key(ModelOptions.OUTPUT) + "/" + key(ModelOptions.LOSS) + ": " + e.getMessage());
        }
        validateFeatureNames(layers);
        if (get(ModelOptions.INIT_FROM).size() > 1 && !prefix.isEmpty()) {
            throw new ConfigException(key(ModelOptions.INIT_FROM) + ": model '" + id + "' starts from one snapshot, got "
                    + get(ModelOptions.INIT_FROM));
        }
        initFrom();
        atLeast(OptimizerOptions.LEARNING_RATE, 0.0, false);
        atLeast(OptimizerOptions.L2, 0.0, true);
        for (ConfigOption<Double> decay : List.of(OptimizerOptions.MOMENTUM, OptimizerOptions.BETA1,
                OptimizerOptions.BETA2, OptimizerOptions.RHO)) {
            double v = get(decay);
            if (!(v >= 0 && v < 1)) {
                throw new ConfigException(key(decay) + ": " + v + " must be in [0, 1)");
            }
        }
        atLeast(OptimizerOptions.EPSILON, 0.0, false);
        atLeast(OptimizerOptions.CLIP_NORM, 0.0, true);
        double gamma = get(OptimizerOptions.SCHEDULE_GAMMA);
        if (!(gamma > 0 && gamma <= 1)) {
            throw new ConfigException(key(OptimizerOptions.SCHEDULE_GAMMA) + ": " + gamma + " must be in (0, 1]");
        }
        if (get(OptimizerOptions.SCHEDULE_STEP_SIZE) < 1) {
            throw new ConfigException(key(OptimizerOptions.SCHEDULE_STEP_SIZE) + ": must be >= 1");
        }
        atLeast(OptimizerOptions.SCHEDULE_DECAY, 0.0, true);
        if (get(OptimizerOptions.SCHEDULE_STEPS) < 0) {
            throw new ConfigException(key(OptimizerOptions.SCHEDULE_STEPS) + ": must be >= 0 (0 = the run's expected steps)");
        }
        double floor = get(OptimizerOptions.SCHEDULE_FLOOR);
        if (!(floor >= 0 && floor <= 1)) {
            throw new ConfigException(key(OptimizerOptions.SCHEDULE_FLOOR) + ": " + floor + " must be in [0, 1]");
        }
        optimizer();
        schedule();
        int params = architecture().parameterCount();
        long bytes = 128L + 12L * shards + 8L * params;
        if (bytes > maxMessageBytes) {
            throw new ConfigException(key(ModelOptions.LAYERS) + " " + layers + " has " + params + " parameters ("
                    + bytes + " bytes per version), over " + KafkaOptions.MAX_MESSAGE_BYTES.key() + "="
                    + maxMessageBytes + "; raise " + KafkaOptions.MAX_MESSAGE_BYTES.key());
        }
    }

    /** Feature names end up in SQL text (sql-score): plain identifiers, one per input, distinct. */
    private void validateFeatureNames(List<Integer> layers) {
        List<String> features = get(ModelOptions.FEATURE_NAMES);
        if (features.isEmpty()) {
            return;
        }
        String key = key(ModelOptions.FEATURE_NAMES);
        if (features.size() != layers.get(0)) {
            throw new ConfigException(key + ": " + features.size() + " names for " + layers.get(0) + " inputs ("
                    + key(ModelOptions.LAYERS) + " " + layers + ")");
        }
        for (String f : features) {
            try {
                SqlIdentifiers.column(f, key);
            } catch (IllegalArgumentException e) {
                throw new ConfigException(e.getMessage());
            }
        }
        if (features.stream().map(f -> f.toLowerCase(Locale.ROOT)).distinct().count() != features.size()) {
            throw new ConfigException(key + ": names must be distinct (ignoring case), got " + features);
        }
    }

    private Optimizer optimizer() {
        try {
            return Optimizers.of(get(OptimizerOptions.NAME), get(OptimizerOptions.MOMENTUM), get(OptimizerOptions.BETA1),
                    get(OptimizerOptions.BETA2), get(OptimizerOptions.RHO), get(OptimizerOptions.EPSILON));
        } catch (IllegalArgumentException e) {
            throw new ConfigException(key(OptimizerOptions.NAME) + ": " + e.getMessage());
        }
    }

    /**
     * The steps of the cosine and linear schedules: optimizer.schedule-steps, or when it is 0 the
     * run's expected steps.
     */
    long scheduleSteps() {
        long steps = get(OptimizerOptions.SCHEDULE_STEPS);
        return steps > 0 ? steps : runSteps;
    }

    private LearningRateSchedule schedule() {
        String name = get(OptimizerOptions.SCHEDULE);
        long steps = scheduleSteps();
        if (steps < 1 && LearningRateSchedule.DECAYING_TO_FLOOR.contains(name.trim().toLowerCase(Locale.ROOT))) {
            throw new ConfigException(key(OptimizerOptions.SCHEDULE) + "=" + name.trim() + " decays over the run's "
                    + "steps, which are unknown with " + DataOptions.ROWS.key() + "=0: set "
                    + key(OptimizerOptions.SCHEDULE_STEPS) + " or " + DataOptions.ROWS.key());
        }
        try {
            return LearningRateSchedule.of(name, get(OptimizerOptions.SCHEDULE_GAMMA),
                    get(OptimizerOptions.SCHEDULE_STEP_SIZE), get(OptimizerOptions.SCHEDULE_DECAY), steps,
                    get(OptimizerOptions.SCHEDULE_FLOOR));
        } catch (IllegalArgumentException e) {
            throw new ConfigException(key(OptimizerOptions.SCHEDULE) + ": " + e.getMessage());
        }
    }

    private void atLeast(ConfigOption<Double> option, double min, boolean inclusive) {
        double v = get(option);
        if (!Double.isFinite(v) || (inclusive ? v < min : v <= min)) {
            throw new ConfigException(key(option) + ": " + v + " must be " + (inclusive ? ">= " : "> ") + min);
        }
    }

    private void enumValue(ConfigOption<String> option, Runnable parse) {
        try {
            parse.run();
        } catch (IllegalArgumentException e) {
            throw new ConfigException(key(option) + ": " + e.getMessage());
        }
    }
}
