package io.streamtrain.config;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.streamtrain.compute.ComputeBackend;
import io.streamtrain.nn.Activation;
import io.streamtrain.nn.Architecture;
import io.streamtrain.nn.Initializer;
import io.streamtrain.nn.Loss;
import io.streamtrain.nn.LearningRateSchedule;
import io.streamtrain.nn.Optimizer;
import io.streamtrain.nn.Optimizers;
import io.streamtrain.nn.UpdateRule;
import java.io.IOException;
import java.io.Serializable;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.apache.flink.configuration.ConfigOption;
import org.apache.flink.configuration.Configuration;

/**
 * A validated streamtrain configuration: a YAML file flattened to dotted keys, plus overrides.
 *
 * <p>Every key is declared once in an options class; an unknown key, a value that does not parse
 * and a value out of range all fail here, at load time, with a message that names the key.
 */
public final class StreamtrainConfig implements Serializable {
    private static final long serialVersionUID = 1L;

    private static final List<ConfigOption<?>> OPTIONS = Stream.of(ModelOptions.all(), OptimizerOptions.all(),
                    TrainingOptions.all(), ComputeOptions.all(), DataOptions.all(), KafkaOptions.all(), SinkOptions.all(), JobOptions.all())
            .flatMap(List::stream).toList();

    private final Map<String, String> values;
    private transient Configuration configuration;

    private StreamtrainConfig(Map<String, String> values) {
        this.values = new TreeMap<>(values);
    }

    /** Every option streamtrain reads, for documentation and validation. */
    public static List<ConfigOption<?>> options() {
        return OPTIONS;
    }

    public static StreamtrainConfig load(Path yaml, Map<String, String> overrides) throws IOException {
        Map<String, String> values = new LinkedHashMap<>();
        if (yaml != null) {
            if (!Files.isRegularFile(yaml)) {
                throw new ConfigException("config file " + yaml + " does not exist");
            }
            values.putAll(flattenYaml(Files.readString(yaml, StandardCharsets.UTF_8), yaml.toString()));
        }
        values.putAll(overrides);
        return of(values);
    }

    public static StreamtrainConfig of(Map<String, String> values) {
        StreamtrainConfig config = new StreamtrainConfig(values);
        config.validate();
        return config;
    }

    /** A copy with some keys replaced, validated again. */
    public StreamtrainConfig with(Map<String, String> overrides) {
        Map<String, String> copy = new LinkedHashMap<>(values);
        copy.putAll(overrides);
        return of(copy);
    }

    /** Parses {@code key=value} as given to {@code --set}. */
    public static Map.Entry<String, String> parseAssignment(String assignment) {
        int eq = assignment.indexOf('=');
        if (eq <= 0) {
            throw new ConfigException("--set expects key=value, got '" + assignment + "'");
        }
        return Map.entry(assignment.substring(0, eq).trim(), assignment.substring(eq + 1).trim());
    }

    /** Parses every {@code key=value} given to {@code --set}, in order; a later key wins. */
    public static Map<String, String> parseAssignments(List<String> assignments) {
        Map<String, String> out = new LinkedHashMap<>();
        for (String assignment : assignments) {
            Map.Entry<String, String> e = parseAssignment(assignment);
            out.put(e.getKey(), e.getValue());
        }
        return out;
    }

    public <T> T get(ConfigOption<T> option) {
        return configuration().get(option);
    }

    /** The explicitly set values, flattened (for hashing and logging). */
    public Map<String, String> values() {
        return java.util.Collections.unmodifiableMap(values);
    }

    /** A short hash of every effective setting, recorded with each snapshot. */
    public String hash() {
        StringBuilder all = new StringBuilder();
        for (ConfigOption<?> option : OPTIONS) {
            all.append(option.key()).append('=').append(configuration().get(option)).append('\n');
        }
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(all.toString().getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(digest, 0, 8);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    public Architecture architecture() {
        int[] sizes = get(ModelOptions.LAYERS).stream().mapToInt(Integer::intValue).toArray();
        return new Architecture(sizes, Activation.fromConfig(get(ModelOptions.HIDDEN_ACTIVATION)),
                Activation.fromConfig(get(ModelOptions.OUTPUT)), Loss.fromConfig(get(ModelOptions.LOSS)));
    }

    public double[] initialParameters() {
        return Initializer.fromConfig(get(ModelOptions.INIT))
                .initialize(architecture(), get(ModelOptions.SEED), get(ModelOptions.INIT_SCALE));
    }

    public UpdateRule updateRule() {
        return new UpdateRule(architecture(), optimizer(), get(OptimizerOptions.LEARNING_RATE), get(OptimizerOptions.L2),
                get(OptimizerOptions.CLIP_NORM), schedule());
    }

    private Optimizer optimizer() {
        try {
            return Optimizers.of(get(OptimizerOptions.NAME), get(OptimizerOptions.MOMENTUM), get(OptimizerOptions.BETA1),
                    get(OptimizerOptions.BETA2), get(OptimizerOptions.RHO), get(OptimizerOptions.EPSILON));
        } catch (IllegalArgumentException e) {
            throw new ConfigException(OptimizerOptions.NAME.key() + ": " + e.getMessage());
        }
    }

    private LearningRateSchedule schedule() {
        try {
            return LearningRateSchedule.of(get(OptimizerOptions.SCHEDULE), get(OptimizerOptions.SCHEDULE_GAMMA),
                    get(OptimizerOptions.SCHEDULE_STEP_SIZE), get(OptimizerOptions.SCHEDULE_DECAY));
        } catch (IllegalArgumentException e) {
            throw new ConfigException(OptimizerOptions.SCHEDULE.key() + ": " + e.getMessage());
        }
    }

    public ComputeBackend.Choice computeBackend() {
        return ComputeBackend.Choice.fromConfig(get(ComputeOptions.BACKEND));
    }

    public int parallelism() {
        return get(JobOptions.PARALLELISM);
    }

    public int shards() {
        int shards = get(JobOptions.SHARDS);
        return shards == 0 ? parallelism() : shards;
    }

    private Configuration configuration() {
        if (configuration == null) {
            configuration = Configuration.fromMap(values);
        }
        return configuration;
    }

    private void validate() {
        Map<String, ConfigOption<?>> known = new LinkedHashMap<>();
        for (ConfigOption<?> option : OPTIONS) {
            known.put(option.key(), option);
        }
        for (String key : values.keySet()) {
            if (!known.containsKey(key)) {
                throw new ConfigException("unknown configuration key '" + key + "'" + suggestion(key, known.keySet()));
            }
        }
        for (ConfigOption<?> option : OPTIONS) {
            try {
                configuration().get(option);
            } catch (IllegalArgumentException e) {
                throw new ConfigException(option.key() + ": cannot read '" + values.get(option.key()) + "' as "
                        + describeType(option) + " (" + rootMessage(e) + ")");
            }
        }
        atLeast(ModelOptions.INIT_SCALE, 0.0, false);
        List<Integer> layers = get(ModelOptions.LAYERS);
        if (layers.size() < 2 || layers.stream().anyMatch(s -> s < 1)) {
            throw new ConfigException(ModelOptions.LAYERS.key() + ": needs at least two sizes, each >= 1, got " + layers);
        }
        enumValue(ModelOptions.HIDDEN_ACTIVATION, () -> Activation.fromConfig(get(ModelOptions.HIDDEN_ACTIVATION)));
        enumValue(ModelOptions.OUTPUT, () -> Activation.fromConfig(get(ModelOptions.OUTPUT)));
        enumValue(ModelOptions.LOSS, () -> Loss.fromConfig(get(ModelOptions.LOSS)));
        enumValue(ModelOptions.INIT, () -> Initializer.fromConfig(get(ModelOptions.INIT)));
        try {
            architecture();
        } catch (IllegalArgumentException e) {
            throw new ConfigException(ModelOptions.OUTPUT.key() + "/" + ModelOptions.LOSS.key() + ": " + e.getMessage());
        }
        atLeast(OptimizerOptions.LEARNING_RATE, 0.0, false);
        atLeast(OptimizerOptions.L2, 0.0, true);
        for (ConfigOption<Double> decay : List.of(OptimizerOptions.MOMENTUM, OptimizerOptions.BETA1,
                OptimizerOptions.BETA2, OptimizerOptions.RHO)) {
            double v = get(decay);
            if (!(v >= 0 && v < 1)) {
                throw new ConfigException(decay.key() + ": " + v + " must be in [0, 1)");
            }
        }
        atLeast(OptimizerOptions.EPSILON, 0.0, false);
        atLeast(OptimizerOptions.CLIP_NORM, 0.0, true);
        double gamma = get(OptimizerOptions.SCHEDULE_GAMMA);
        if (!(gamma > 0 && gamma <= 1)) {
            throw new ConfigException(OptimizerOptions.SCHEDULE_GAMMA.key() + ": " + gamma + " must be in (0, 1]");
        }
        if (get(OptimizerOptions.SCHEDULE_STEP_SIZE) < 1) {
            throw new ConfigException(OptimizerOptions.SCHEDULE_STEP_SIZE.key() + ": must be >= 1");
        }
        atLeast(OptimizerOptions.SCHEDULE_DECAY, 0.0, true);
        optimizer();
        schedule();
        range(TrainingOptions.BATCH_SIZE, 1, 1 << 20);
        range(TrainingOptions.WINDOW_BLOCKS, 1, 1 << 20);
        range(TrainingOptions.MAX_IN_FLIGHT, 1, 1 << 20);
        nonNegative(TrainingOptions.BATCH_TIMEOUT);
        nonNegative(TrainingOptions.WINDOW_TIMEOUT);
        if (get(TrainingOptions.MAX_STALENESS) < -1) {
            throw new ConfigException(TrainingOptions.MAX_STALENESS.key() + ": must be -1 (no bound) or >= 0");
        }
        String dtype = get(TrainingOptions.DTYPE);
        if (!dtype.equals("float32") && !dtype.equals("float64")) {
            throw new ConfigException(TrainingOptions.DTYPE.key() + ": must be float32 or float64, got '" + dtype + "'");
        }
        enumValue(ComputeOptions.BACKEND, this::computeBackend);
        if (!get(DataOptions.FORMAT).equals("csv")) {
            throw new ConfigException(DataOptions.FORMAT.key() + ": must be csv, got '" + get(DataOptions.FORMAT) + "'");
        }
        if (!get(DataOptions.GENERATOR).equals("seed")) {
            throw new ConfigException(DataOptions.GENERATOR.key() + ": must be seed, got '" + get(DataOptions.GENERATOR) + "'");
        }
        if (get(DataOptions.ROWS) < 0) {
            throw new ConfigException(DataOptions.ROWS.key() + ": must be >= 0");
        }
        range(DataOptions.HOLDOUT_ROWS, 0, Integer.MAX_VALUE);
        atLeast(DataOptions.MAX_ABS_VALUE, 0.0, false);
        range(DataOptions.MAX_ROW_BYTES, 1, Integer.MAX_VALUE);
        for (ConfigOption<String> topic : List.of(KafkaOptions.ROWS_TOPIC, KafkaOptions.DLQ_TOPIC, KafkaOptions.PARAMS_TOPIC)) {
            if (!get(topic).matches("[A-Za-z0-9._-]{1,249}")) {
                throw new ConfigException(topic.key() + ": '" + get(topic) + "' is not a valid Kafka topic name");
            }
        }
        range(KafkaOptions.PARTITIONS, 1, 10_000);
        range(KafkaOptions.MAX_MESSAGE_BYTES, 1024, Integer.MAX_VALUE);
        if (!get(SinkOptions.URL).startsWith("jdbc:")) {
            throw new ConfigException(SinkOptions.URL.key() + ": must be a JDBC url (jdbc:sqlite:..., jdbc:postgresql:..., jdbc:mariadb:...)");
        }
        if (!get(SinkOptions.TABLE_PREFIX).matches("([A-Za-z_][A-Za-z0-9_]{0,40})?")) {
            throw new ConfigException(SinkOptions.TABLE_PREFIX.key() + ": '" + get(SinkOptions.TABLE_PREFIX)
                    + "' must be letters, digits and underscores, starting with a letter or underscore");
        }
        range(SinkOptions.EVERY_VERSIONS, 0, Integer.MAX_VALUE);
        nonNegative(SinkOptions.EVERY);
        range(SinkOptions.RETAIN_VERSIONS, 0, Integer.MAX_VALUE);
        range(JobOptions.PARALLELISM, 1, 1024);
        range(JobOptions.SHARDS, 0, 1 << 15);
        if (shards() < parallelism()) {
            throw new ConfigException(JobOptions.SHARDS.key() + "=" + shards() + " is below job.parallelism=" + parallelism()
                    + ": some gradient workers would idle forever");
        }
        nonNegative(JobOptions.CHECKPOINT_INTERVAL);
        if ((long) shards() * get(TrainingOptions.MAX_IN_FLIGHT) < get(TrainingOptions.WINDOW_BLOCKS)) {
            throw new ConfigException(TrainingOptions.WINDOW_BLOCKS.key() + "=" + get(TrainingOptions.WINDOW_BLOCKS)
                    + " is more than job.shards x training.max-in-flight = " + shards() + " x "
                    + get(TrainingOptions.MAX_IN_FLIGHT) + ": windows could only fire on training.window-timeout; "
                    + "lower training.window-blocks or raise training.max-in-flight");
        }
        int params = architecture().parameterCount();
        long bytes = 128L + 12L * shards() + 8L * params;
        if (bytes > get(KafkaOptions.MAX_MESSAGE_BYTES)) {
            throw new ConfigException("model.layers " + layers + " has " + params + " parameters (" + bytes
                    + " bytes per version), over kafka.max-message-bytes=" + get(KafkaOptions.MAX_MESSAGE_BYTES)
                    + "; raise kafka.max-message-bytes");
        }
    }

    private void range(ConfigOption<Integer> option, int min, int max) {
        int v = get(option);
        if (v < min || v > max) {
            throw new ConfigException(option.key() + ": " + v + " is out of range [" + min + ", " + max + "]");
        }
    }

    private void atLeast(ConfigOption<Double> option, double min, boolean inclusive) {
        double v = get(option);
        if (!Double.isFinite(v) || (inclusive ? v < min : v <= min)) {
            throw new ConfigException(option.key() + ": " + v + " must be " + (inclusive ? ">= " : "> ") + min);
        }
    }

    private void nonNegative(ConfigOption<Duration> option) {
        if (get(option).isNegative()) {
            throw new ConfigException(option.key() + ": must not be negative");
        }
    }

    private static void enumValue(ConfigOption<String> option, Runnable parse) {
        try {
            parse.run();
        } catch (IllegalArgumentException e) {
            throw new ConfigException(option.key() + ": " + e.getMessage());
        }
    }

    private static String describeType(ConfigOption<?> option) {
        Object d = option.defaultValue();
        if (d instanceof List) {
            return "a list like [2, 2, 2]";
        }
        if (d instanceof Duration) {
            return "a duration like 200ms or 5s";
        }
        return d == null ? "a value" : "a " + d.getClass().getSimpleName().toLowerCase();
    }

    private static String rootMessage(Throwable e) {
        while (e.getCause() != null) {
            e = e.getCause();
        }
        return e.getMessage();
    }

    private static String suggestion(String key, Iterable<String> known) {
        String best = null;
        int bestDistance = Integer.MAX_VALUE;
        for (String k : known) {
            int d = levenshtein(key, k);
            if (d < bestDistance) {
                bestDistance = d;
                best = k;
            }
        }
        return best != null && bestDistance <= Math.max(3, key.length() / 3) ? "; did you mean '" + best + "'?" : "";
    }

    private static int levenshtein(String a, String b) {
        int[] prev = new int[b.length() + 1];
        int[] cur = new int[b.length() + 1];
        for (int j = 0; j <= b.length(); j++) {
            prev[j] = j;
        }
        for (int i = 1; i <= a.length(); i++) {
            cur[0] = i;
            for (int j = 1; j <= b.length(); j++) {
                int cost = a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1;
                cur[j] = Math.min(Math.min(cur[j - 1] + 1, prev[j] + 1), prev[j - 1] + cost);
            }
            int[] t = prev;
            prev = cur;
            cur = t;
        }
        return prev[b.length()];
    }

    static Map<String, String> flattenYaml(String text, String source) throws IOException {
        JsonNode root = new ObjectMapper(new YAMLFactory()).readTree(text);
        Map<String, String> out = new LinkedHashMap<>();
        if (root == null || root.isNull() || root.isMissingNode()) {
            return out;
        }
        if (!root.isObject()) {
            throw new ConfigException(source + ": expected a mapping of settings at the top level");
        }
        flatten("", root, out, source);
        return out;
    }

    private static void flatten(String prefix, JsonNode node, Map<String, String> out, String source) {
        if (node.isObject()) {
            Iterator<Map.Entry<String, JsonNode>> fields = node.fields();
            while (fields.hasNext()) {
                Map.Entry<String, JsonNode> f = fields.next();
                flatten(prefix.isEmpty() ? f.getKey() : prefix + "." + f.getKey(), f.getValue(), out, source);
            }
        } else if (node.isArray()) {
            List<String> items = new ArrayList<>();
            for (JsonNode item : node) {
                if (!item.isValueNode()) {
                    throw new ConfigException(source + ": " + prefix + " must be a list of plain values");
                }
                items.add(item.asText());
            }
            out.put(prefix, String.join(";", items));
        } else if (!node.isNull()) {
            out.put(prefix, node.asText());
        }
    }
}
