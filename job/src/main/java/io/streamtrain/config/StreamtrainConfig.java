package io.streamtrain.config;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.streamtrain.compute.ComputeBackend;
import io.streamtrain.connectors.jdbc.JdbcUrls;
import io.streamtrain.connectors.record.NetworkSpec;
import io.streamtrain.nn.Architecture;
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
import java.util.Collections;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.apache.flink.configuration.ConfigOption;
import org.apache.flink.configuration.Configuration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A validated streamtrain configuration: a YAML file flattened to dotted keys, plus overrides.
 *
 * <p>Every key is declared once in an options class; an unknown key, a value that does not parse
 * and a value out of range all fail here, at load time, with a message that names the key.
 *
 * <p>Values may refer to environment variables as {@code ${env:NAME}} (in the YAML file and in
 * overrides alike), so that secrets such as database passwords stay out of files and command lines.
 * The configuration hash is taken over the text as written, placeholders and all, so it neither
 * depends on nor reveals the secrets; {@link #redacted()} is the form to print.
 */
public final class StreamtrainConfig implements Serializable {
    private static final long serialVersionUID = 1L;
    private static final Logger LOG = LoggerFactory.getLogger(StreamtrainConfig.class);

    private static final List<ConfigOption<?>> OPTIONS = Stream.of(ModelOptions.all(), OptimizerOptions.all(),
                    TrainingOptions.all(), ComputeOptions.all(), DataOptions.all(), KafkaOptions.all(), SinkOptions.all(), JobOptions.all())
            .flatMap(List::stream).toList();

    private static final String ID_RULE =
            "is not a valid model id: letters, digits, _ and -, starting with a letter, at most 64 characters";

    /** What {@link #redacted()} shows in place of a secret value. */
    public static final String MASK = "***";

    private static final Pattern ENV_REFERENCE = Pattern.compile("\\$\\{env:([A-Za-z_][A-Za-z0-9_]*)\\}");

    /** The values as given, with {@code ${env:..}} placeholders. */
    private final Map<String, String> raw;
    /** The values with placeholders substituted. */
    private final Map<String, String> values;
    private transient Configuration configuration;
    private transient List<ModelSpec> models;

    private StreamtrainConfig(Map<String, String> raw, Map<String, String> values) {
        this.raw = new TreeMap<>(raw);
        this.values = new TreeMap<>(values);
    }

    /** Every option streamtrain reads, for documentation and validation. */
    public static List<ConfigOption<?>> options() {
        return OPTIONS;
    }

    public static StreamtrainConfig load(Path yaml, Map<String, String> overrides) throws IOException {
        return load(yaml, overrides, System::getenv);
    }

    /** {@link #load(Path, Map)} with {@code ${env:NAME}} placeholders looked up in {@code environment}. */
    public static StreamtrainConfig load(Path yaml, Map<String, String> overrides, Function<String, String> environment)
            throws IOException {
        Map<String, String> values = new LinkedHashMap<>();
        if (yaml != null) {
            if (!Files.isRegularFile(yaml)) {
                throw new ConfigException("config file " + yaml + " does not exist");
            }
            values.putAll(flattenYaml(Files.readString(yaml, StandardCharsets.UTF_8), yaml.toString()));
        }
        values.putAll(overrides);
        return of(values, environment);
    }

    /**
     * A configuration from YAML text (e.g. a file bundled in the job jar), plus overrides.
     *
     * @param source where the text came from, named in error messages
     */
    public static StreamtrainConfig parse(String yamlText, String source, Map<String, String> overrides)
            throws IOException {
        Map<String, String> values = new LinkedHashMap<>(flattenYaml(yamlText, source));
        values.putAll(overrides);
        return of(values, System::getenv);
    }

    /**
     * Every option with the value in effect, safe to print: the values as given (placeholders kept,
     * passwords masked, see {@link #redacted()}), the defaults for the rest, and the models list's
     * per-model keys.
     */
    public Map<String, String> effective() {
        Map<String, String> out = new TreeMap<>();
        for (ConfigOption<?> option : OPTIONS) {
            out.put(option.key(), option.hasDefaultValue() ? String.valueOf(option.defaultValue()) : "");
        }
        out.putAll(redacted());
        return out;
    }

    public static StreamtrainConfig of(Map<String, String> values) {
        return of(values, System::getenv);
    }

    /** A configuration from flat values, {@code ${env:NAME}} placeholders looked up in {@code environment}. */
    public static StreamtrainConfig of(Map<String, String> values, Function<String, String> environment) {
        StreamtrainConfig config = new StreamtrainConfig(values, substitute(values, environment));
        config.validate();
        return config;
    }

    /** A copy with some keys replaced (placeholders in them looked up in the process environment), validated again. */
    public StreamtrainConfig with(Map<String, String> overrides) {
        Map<String, String> newRaw = new LinkedHashMap<>(raw);
        newRaw.putAll(overrides);
        Map<String, String> newValues = new LinkedHashMap<>(values);
        newValues.putAll(substitute(overrides, System::getenv));
        StreamtrainConfig config = new StreamtrainConfig(newRaw, newValues);
        config.validate();
        return config;
    }

    /** Replaces every {@code ${env:NAME}}; a variable that is not set fails naming the key. */
    private static Map<String, String> substitute(Map<String, String> values, Function<String, String> environment) {
        Map<String, String> out = new LinkedHashMap<>();
        for (Map.Entry<String, String> e : values.entrySet()) {
            String v = e.getValue();
            if (v == null || !v.contains("${env:")) {
                out.put(e.getKey(), v);
                continue;
            }
            Matcher m = ENV_REFERENCE.matcher(v);
            StringBuilder sb = new StringBuilder();
            while (m.find()) {
                String value = environment.apply(m.group(1));
                if (value == null) {
                    throw new ConfigException(e.getKey() + ": environment variable " + m.group(1) + " is not set");
                }
                m.appendReplacement(sb, Matcher.quoteReplacement(value));
            }
            m.appendTail(sb);
            if (sb.indexOf("${env:") >= 0) {
                throw new ConfigException(e.getKey() + ": malformed ${env:NAME} reference (NAME: letters, digits, '_')");
            }
            out.put(e.getKey(), sb.toString());
        }
        return out;
    }

    /**
     * The settings as given, safe to print: values that came from the environment stay as their
     * {@code ${env:NAME}} placeholder, passwords in JDBC urls are masked, and so is the whole value
     * of every secret key (see {@link KafkaOptions#isSecret(String)}: {@code sasl.jaas.config},
     * passwords, secrets, tokens), placeholder or not.
     */
    public Map<String, String> redacted() {
        Map<String, String> out = new TreeMap<>();
        for (Map.Entry<String, String> e : raw.entrySet()) {
            out.put(e.getKey(), KafkaOptions.isSecret(e.getKey()) ? MASK : redact(e.getValue()));
        }
        return out;
    }

    /** The redacted settings: a configuration that reaches a log line by accident shows no secret. */
    @Override
    public String toString() {
        return "StreamtrainConfig" + redacted();
    }

    /**
     * The Kafka client properties of {@link KafkaOptions#PROPERTIES} ({@code kafka.properties.*}
     * with the prefix removed, placeholders substituted), sorted by key: every Kafka client streamtrain
     * creates applies them over its own settings. They may hold secrets: never print them.
     */
    public Map<String, String> kafkaProperties() {
        Map<String, String> out = new TreeMap<>();
        for (Map.Entry<String, String> e : values.entrySet()) {
            if (e.getKey().startsWith(KafkaOptions.PROPERTIES_PREFIX)) {
                out.put(e.getKey().substring(KafkaOptions.PROPERTIES_PREFIX.length()), e.getValue());
            }
        }
        return Collections.unmodifiableMap(out);
    }

    /** Masks passwords in a value (a JDBC url, say) for printing. */
    public static String redact(String value) {
        return JdbcUrls.redact(value);
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

    /** The explicitly set values, flattened, placeholders substituted: may hold secrets, never print it (see {@link #redacted()}). */
    public Map<String, String> values() {
        return java.util.Collections.unmodifiableMap(values);
    }

    /**
     * A short hash of every effective setting. With one model it is that model's
     * {@link ModelSpec#configHash()}; with a models list it also covers every entry. A value given
     * as an {@code ${env:NAME}} placeholder enters as written, not as the secret it stands for.
     */
    public String hash() {
        List<ModelSettings> settings = modelSettings();
        if (modelIds().isEmpty()) {
            return hash(settings.get(0));
        }
        List<String> lines = new ArrayList<>(sharedSettings());
        for (ModelSettings m : settings) {
            lines.addAll(m.describe());
        }
        return sha256(lines);
    }

    /** The hash of the shared settings and one model's own. */
    private String hash(ModelSettings model) {
        List<String> lines = new ArrayList<>(model.describe());
        lines.addAll(sharedSettings());
        return sha256(lines);
    }

    /** Every setting that is not a model's own, as {@code key=value} lines. */
    private List<String> sharedSettings() {
        List<String> lines = new ArrayList<>();
        for (ConfigOption<?> option : OPTIONS) {
            // Kafka client properties say how to reach the broker, not what is trained (and may be secrets)
            if (option != ModelOptions.ID && option != ModelOptions.MODELS && option != KafkaOptions.PROPERTIES
                    && !ModelSettings.OPTIONS.contains(option)) {
                String given = raw.get(option.key());
                Object effective = given != null && given.contains("${env:") ? given : configuration().get(option);
                lines.add(option.key() + "=" + effective);
            }
        }
        return lines;
    }

    private static String sha256(List<String> lines) {
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256")
                    .digest((String.join("\n", lines) + "\n").getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(digest, 0, 8);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * The models to train, in the order of the models list: every entry of {@code models}, or the
     * one model of the model and optimizer sections. All share the input width and label kind.
     */
    public List<ModelSpec> models() {
        if (models == null) {
            List<ModelSpec> out = new ArrayList<>();
            for (ModelSettings m : modelSettings()) {
                double[] initial = m.initialParameters();
                UpdateRule rule = m.updateRule();
                out.add(new ModelSpec(m.id(), m.architecture(), m.features(), initial, rule, m.describeOptimizer(),
                        hash(m), m.initFrom(), StartPoint.cold(0, 0, initial, rule.stateSize())));
            }
            models = List.copyOf(out);
        }
        return models;
    }

    /**
     * The first model's architecture (the only one without a models list). Every model shares its
     * input width and label kind, so this is also the shape of the rows.
     */
    public Architecture architecture() {
        return modelSettings().get(0).architecture();
    }

    /** The first model's architecture with its input feature names (see {@link ModelSpec#networkSpec()}). */
    public NetworkSpec networkSpec() {
        return models().get(0).networkSpec();
    }

    /** Whether some model warm-starts from a stored snapshot (model.init-from). */
    public boolean warmStarts() {
        return models().stream().anyMatch(m -> m.initFrom() != null);
    }

    /** The first model's version 0 (see {@link #models()} for every model's). */
    public double[] initialParameters() {
        return modelSettings().get(0).initialParameters();
    }

    /** The first model's update rule (see {@link #models()} for every model's). */
    public UpdateRule updateRule() {
        return modelSettings().get(0).updateRule();
    }

    /** The ids of the models list; empty when there is none. */
    private List<String> modelIds() {
        return get(ModelOptions.MODELS).stream().map(String::trim).toList();
    }

    private List<ModelSettings> modelSettings() {
        List<String> ids = modelIds();
        long runSteps = expectedSteps();
        if (ids.isEmpty()) {
            return List.of(new ModelSettings(values, raw, get(ModelOptions.ID), false, runSteps));
        }
        return ids.stream().map(id -> new ModelSettings(values, raw, id, true, runSteps)).toList();
    }

    /**
     * The optimizer steps the run is expected to take, ceil(data.rows x data.epochs /
     * (training.batch-size x training.window-blocks)): the length of the cosine and linear
     * learning-rate schedules when optimizer.schedule-steps is 0. 0 when data.rows is 0 (the whole
     * data set, whose size the configuration does not know) or a value cannot be read (reported,
     * naming its key, by {@link #validate}).
     */
    public long expectedSteps() {
        try {
            long rows = get(DataOptions.ROWS);
            long epochs = get(DataOptions.EPOCHS);
            // local mode: the schedule counts each replica's own steps, one a block of its shard
            long stepRows = (long) get(TrainingOptions.BATCH_SIZE) * (consistency() == TrainingOptions.Consistency.LOCAL
                    ? shards() : get(TrainingOptions.WINDOW_BLOCKS));
            if (rows <= 0 || epochs <= 0 || stepRows <= 0) {
                return 0;
            }
            return (rows * epochs + stepRows - 1) / stepRows;
        } catch (IllegalArgumentException e) {
            return 0;
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

    /** training.consistency, parsed. */
    public TrainingOptions.Consistency consistency() {
        String v = get(TrainingOptions.CONSISTENCY).trim();
        for (TrainingOptions.Consistency c : TrainingOptions.Consistency.values()) {
            if (c.key().equals(v)) {
                return c;
            }
        }
        throw new ConfigException(TrainingOptions.CONSISTENCY.key() + ": '" + abbreviate(v)
                + "' is not one of sync, bounded, async, local");
    }

    /** Gradient blocks per optimizer step: job.shards in sync mode, else training.window-blocks. */
    public int windowBlocks() {
        return consistency() == TrainingOptions.Consistency.SYNC ? shards() : get(TrainingOptions.WINDOW_BLOCKS);
    }

    /**
     * Blocks a shard may have unconsumed: 1 in sync mode, unlimited in async mode, training.max-in-flight
     * in bounded mode; in local mode merges, not blocks: training.max-in-flight with
     * training.local-overlap, else 1.
     */
    public int maxInFlight() {
        return switch (consistency()) {
            case SYNC -> 1;
            case ASYNC -> Integer.MAX_VALUE;
            case BOUNDED -> get(TrainingOptions.MAX_IN_FLIGHT);
            case LOCAL -> localOverlap() ? get(TrainingOptions.MAX_IN_FLIGHT) : 1;
        };
    }

    /** The most blocks one version of one model merges: a window of gradient blocks, or of local-mode merges of training.local-steps blocks each. */
    public int blocksPerVersion() {
        return localSteps() > 0 ? localSteps() * windowBlocks() : windowBlocks();
    }

    /** Bytes of rows the rows sources may read ahead of what the versions can have trained (training.read-ahead), 0 for no bound. */
    public long readAheadBytes() {
        return get(TrainingOptions.READ_AHEAD).getBytes();
    }

    /**
     * Rows the rows sources may always read ahead, whatever training.read-ahead says: twice a version's
     * blocks plus one per parser, so that a version's rows can always come.
     */
    public long minReadAheadRows() {
        return (2L * blocksPerVersion() + parallelism()) * get(TrainingOptions.BATCH_SIZE);
    }

    /** Local mode: whether a replica trains on while its change travels (training.local-overlap); false in the other modes. */
    public boolean localOverlap() {
        return consistency() == TrainingOptions.Consistency.LOCAL && get(TrainingOptions.LOCAL_OVERLAP);
    }

    /** Blocks a shard trains its replica on between merges in local mode; 0 in the other modes (gradients). */
    public int localSteps() {
        return consistency() == TrainingOptions.Consistency.LOCAL ? get(TrainingOptions.LOCAL_STEPS) : 0;
    }

    /**
     * Staleness beyond which gradients are dropped, -1 for none: training.max-staleness in bounded
     * mode; none in sync mode (staleness is 0 by construction) and in async mode.
     */
    public long maxStaleness() {
        return consistency() == TrainingOptions.Consistency.BOUNDED ? get(TrainingOptions.MAX_STALENESS) : -1;
    }

    /** An incomplete window is applied after this long (0 = never): never in sync mode. */
    public Duration windowTimeout() {
        return consistency() == TrainingOptions.Consistency.SYNC ? Duration.ZERO : get(TrainingOptions.WINDOW_TIMEOUT);
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
            if (key.startsWith(KafkaOptions.PROPERTIES_PREFIX)) {
                validateKafkaProperty(key);
            } else if (key.equals(KafkaOptions.PROPERTIES.key())) {
                throw new ConfigException(key + ": give each Kafka client property as its own key, "
                        + KafkaOptions.PROPERTIES_PREFIX + "<client key>, e.g. --set "
                        + KafkaOptions.PROPERTIES_PREFIX + "security.protocol=SASL_SSL");
            } else if (!known.containsKey(key) && !key.startsWith(ModelSettings.MODELS_PREFIX)) {
                throw new ConfigException("unknown configuration key '" + key + "'" + suggestion(key, known.keySet()));
            }
        }
        for (ConfigOption<?> option : OPTIONS) {
            try {
                configuration().get(option);
            } catch (IllegalArgumentException e) {
                throw new ConfigException(option.key() + ": cannot read '" + raw.get(option.key()) + "' as "
                        + describeType(option) + " (" + rootMessage(e) + ")");
            }
        }
        List<String> ids = modelIds();
        validateIds(ids);
        for (String key : values.keySet()) {
            if (key.startsWith(ModelSettings.MODELS_PREFIX)) {
                validateModelKey(key, ids, known);
            }
        }
        range(TrainingOptions.BATCH_SIZE, 1, 1 << 20);
        range(TrainingOptions.WINDOW_BLOCKS, 1, 1 << 20);
        range(TrainingOptions.MAX_IN_FLIGHT, 1, 1 << 20);
        range(TrainingOptions.LOCAL_STEPS, 1, 1 << 20);
        nonNegative(TrainingOptions.BATCH_TIMEOUT);
        nonNegative(TrainingOptions.WINDOW_TIMEOUT);
        nonNegative(SinkOptions.RETRY_BACKOFF);
        nonNegative(SinkOptions.MAX_RETRY_TIME);
        double divergence = get(TrainingOptions.DIVERGENCE_FACTOR);
        if (!(divergence == 0 || (divergence > 1 && Double.isFinite(divergence)))) {
            throw new ConfigException(TrainingOptions.DIVERGENCE_FACTOR.key() + ": " + divergence
                    + " must be 0 (off) or a finite number > 1");
        }
        range(TrainingOptions.DIVERGENCE_WARMUP, 1, Integer.MAX_VALUE);
        if (get(TrainingOptions.MAX_STALENESS) < -1) {
            throw new ConfigException(TrainingOptions.MAX_STALENESS.key() + ": must be -1 (no bound) or >= 0");
        }
        String dtype = get(TrainingOptions.DTYPE);
        if (!dtype.equals("float32") && !dtype.equals("float64")) {
            throw new ConfigException(TrainingOptions.DTYPE.key() + ": must be float32 or float64, got '" + dtype + "'");
        }
        enumValue(ComputeOptions.BACKEND, this::computeBackend);
        if (!List.of("seed", "fashion-mnist", "file").contains(get(DataOptions.GENERATOR))) {
            throw new ConfigException(DataOptions.GENERATOR.key() + ": must be seed, fashion-mnist or file, got '"
                    + get(DataOptions.GENERATOR) + "'");
        }
        if (get(DataOptions.GENERATOR).equals("file") && get(DataOptions.FILE).isBlank()) {
            throw new ConfigException(DataOptions.GENERATOR.key() + "=file needs " + DataOptions.FILE.key()
                    + " (local --data FILE)");
        }
        if (!List.of("auto", "true", "false").contains(get(DataOptions.HEADER))) {
            throw new ConfigException(DataOptions.HEADER.key() + ": must be auto, true or false, got '"
                    + get(DataOptions.HEADER) + "'");
        }
        double fraction = get(DataOptions.HOLDOUT_FRACTION);
        if (!(fraction >= 0 && fraction < 1)) {
            throw new ConfigException(DataOptions.HOLDOUT_FRACTION.key() + ": " + fraction + " must be in [0, 1)");
        }
        List<Integer> filter = get(DataOptions.CLASSES_FILTER);
        if (filter.stream().anyMatch(c -> c < 0 || c > 9) || filter.stream().distinct().count() != filter.size()
                || filter.size() == 1) {
            throw new ConfigException(DataOptions.CLASSES_FILTER.key() + ": " + filter
                    + " must be two or more distinct Fashion-MNIST classes 0..9");
        }
        range(DataOptions.EPOCHS, 1, 1_000_000);
        atLeast(DataOptions.RATE, 0.0, true);
        if (get(DataOptions.ROWS) < 0 || get(DataOptions.ROWS) > Integer.MAX_VALUE) {
            throw new ConfigException(DataOptions.ROWS.key() + ": must be in [0, " + Integer.MAX_VALUE + "]");
        }
        range(DataOptions.HOLDOUT_ROWS, 0, Integer.MAX_VALUE);
        atLeast(DataOptions.MAX_ABS_VALUE, 0.0, false);
        double maxAbs = get(DataOptions.MAX_ABS_VALUE);
        double scale = get(DataOptions.FEATURE_SCALE);
        if (maxAbs > Float.MAX_VALUE || maxAbs * Math.max(scale, 1) > Float.MAX_VALUE) {
            // rows are parsed into 32-bit floats: a larger accepted value would become Infinity
            throw new ConfigException(DataOptions.MAX_ABS_VALUE.key() + ": " + maxAbs
                    + (scale > 1 ? " times " + DataOptions.FEATURE_SCALE.key() + "=" + scale : "")
                    + " is beyond the largest 32-bit float (" + Float.MAX_VALUE + "); features and labels are "
                    + "parsed into float32, so lower " + DataOptions.MAX_ABS_VALUE.key());
        }
        range(DataOptions.MAX_ROW_BYTES, 1, Integer.MAX_VALUE);
        range(DataOptions.ROWS_PER_MESSAGE, 1, 65_536);
        if (get(DataOptions.ROWS_PER_MESSAGE) > 1 && !get(DataOptions.FORMAT).equals("dense")) {
            throw new ConfigException(DataOptions.ROWS_PER_MESSAGE.key() + ": " + get(DataOptions.ROWS_PER_MESSAGE)
                    + " rows a message needs data.format=dense (fixed-length rows back to back), not "
                    + get(DataOptions.FORMAT) + "; set it to 1");
        }
        for (ConfigOption<String> topic : List.of(KafkaOptions.ROWS_TOPIC, KafkaOptions.DLQ_TOPIC,
                KafkaOptions.PARAMS_TOPIC, KafkaOptions.HOLDOUT_TOPIC)) {
            boolean optional = topic == KafkaOptions.HOLDOUT_TOPIC;
            if (!get(topic).matches("[A-Za-z0-9._-]{" + (optional ? 0 : 1) + ",249}")) {
                throw new ConfigException(topic.key() + ": '" + get(topic) + "' is not a valid Kafka topic name "
                        + "(letters, digits, '.', '_' and '-', " + (optional ? "empty for none, " : "")
                        + "at most 249 characters)");
            }
        }
        if (get(KafkaOptions.HOLDOUT_TOPIC).equals(get(KafkaOptions.ROWS_TOPIC))) {
            throw new ConfigException(KafkaOptions.HOLDOUT_TOPIC.key() + ": must differ from "
                    + KafkaOptions.ROWS_TOPIC.key() + " (held-out rows are never trained on)");
        }
        range(KafkaOptions.PARTITIONS, 1, 10_000);
        range(KafkaOptions.MAX_MESSAGE_BYTES, 1024, Integer.MAX_VALUE);
        range(KafkaOptions.ROWS_FETCH_BYTES, 1024, Integer.MAX_VALUE / 2);
        if (!get(SinkOptions.URL).startsWith("jdbc:")) {
            // the message does not echo the url: it may carry a password
            throw new ConfigException(SinkOptions.URL.key() + ": must be a JDBC url (jdbc:sqlite:..., jdbc:postgresql:..., jdbc:mariadb:...)");
        }
        if (!get(SinkOptions.TABLE_PREFIX).matches("([A-Za-z_][A-Za-z0-9_]{0,40})?")) {
            throw new ConfigException(SinkOptions.TABLE_PREFIX.key() + ": '" + get(SinkOptions.TABLE_PREFIX)
                    + "' must be letters, digits and underscores, starting with a letter or underscore");
        }
        range(SinkOptions.EVERY_VERSIONS, 0, Integer.MAX_VALUE);
        nonNegative(SinkOptions.EVERY);
        range(SinkOptions.RETAIN_VERSIONS, 0, Integer.MAX_VALUE);
        range(SinkOptions.RETAIN_EVERY, 0, Integer.MAX_VALUE);
        range(JobOptions.PARALLELISM, 1, 1024);
        range(JobOptions.SHARDS, 0, 1 << 15);
        if (shards() < parallelism()) {
            throw new ConfigException(JobOptions.SHARDS.key() + "=" + shards() + " is below job.parallelism=" + parallelism()
                    + ": some gradient workers would idle forever");
        }
        nonNegative(JobOptions.CHECKPOINT_INTERVAL);
        TrainingOptions.Consistency consistency = consistency();
        if (consistency == TrainingOptions.Consistency.SYNC) {
            warnOverridden(TrainingOptions.WINDOW_BLOCKS, Integer.toString(shards()));
            warnOverridden(TrainingOptions.MAX_IN_FLIGHT, "1");
            warnOverridden(TrainingOptions.WINDOW_TIMEOUT, "0 (a version waits for every shard)");
        }
        if (consistency != TrainingOptions.Consistency.BOUNDED && get(TrainingOptions.MAX_STALENESS) >= 0) {
            LOG.warn("{}={} is not used with {}={}: {}", TrainingOptions.MAX_STALENESS.key(),
                    get(TrainingOptions.MAX_STALENESS), TrainingOptions.CONSISTENCY.key(), consistency.key(),
                    consistency == TrainingOptions.Consistency.SYNC ? "every gradient is computed on the newest version"
                            : consistency == TrainingOptions.Consistency.LOCAL
                                    ? localOverlap()
                                            ? "flow control (training.max-in-flight merges) bounds how far a replica runs ahead"
                                            : "a replica waits for the version that merged its change"
                                    : "async mode has no staleness bound");
        }
        if (consistency == TrainingOptions.Consistency.LOCAL && !localOverlap()) {
            if (shards() < get(TrainingOptions.WINDOW_BLOCKS)) {
                throw new ConfigException(TrainingOptions.WINDOW_BLOCKS.key() + "=" + get(TrainingOptions.WINDOW_BLOCKS)
                        + " is more than job.shards = " + shards() + ": with training.local-overlap=false each shard "
                        + "sends one change a version, so windows could only fire on training.window-timeout; lower "
                        + "training.window-blocks or set training.local-overlap=true");
            }
            if (values.containsKey(TrainingOptions.MAX_IN_FLIGHT.key())) {
                LOG.warn("{}={} is not used with {}=false: a replica waits for the version that merged its change",
                        TrainingOptions.MAX_IN_FLIGHT.key(), values.get(TrainingOptions.MAX_IN_FLIGHT.key()),
                        TrainingOptions.LOCAL_OVERLAP.key());
            }
        } else if ((consistency == TrainingOptions.Consistency.BOUNDED || consistency == TrainingOptions.Consistency.LOCAL)
                && (long) shards() * get(TrainingOptions.MAX_IN_FLIGHT) < get(TrainingOptions.WINDOW_BLOCKS)) {
            throw new ConfigException(TrainingOptions.WINDOW_BLOCKS.key() + "=" + get(TrainingOptions.WINDOW_BLOCKS)
                    + " is more than job.shards x training.max-in-flight = " + shards() + " x "
                    + get(TrainingOptions.MAX_IN_FLIGHT) + ": windows could only fire on training.window-timeout; "
                    + "lower training.window-blocks or raise training.max-in-flight");
        }
        validateInitFrom(ids);
        List<ModelSettings> settings = modelSettings();
        for (ModelSettings m : settings) {
            m.validate(shards(), get(KafkaOptions.MAX_MESSAGE_BYTES));
        }
        validateSharedShape(settings);
        // the row format: every column and field setting, checked against the models' shared shape; a
        // CSV file's header may still name the columns (checked again when the file is read)
        boolean columnsFromHeader = get(DataOptions.GENERATOR).equals("file") && get(DataOptions.FORMAT).equals("csv")
                && !get(DataOptions.HEADER).equals("false")
                && io.streamtrain.data.RowFormats.names(get(DataOptions.COLUMNS)).isEmpty();
        if (!columnsFromHeader) {
            io.streamtrain.data.RowFormats.fromConfig(this, architecture());
        }
    }

    /**
     * model.init-from: one snapshot for a single model; with a models list, items that each name
     * a listed model (at most once, and not one that has its own models.<id>.model.init-from).
     */
    private void validateInitFrom(List<String> ids) {
        String key = ModelOptions.INIT_FROM.key();
        List<InitFrom> listed = get(ModelOptions.INIT_FROM).stream().map(t -> InitFrom.parse(t.trim(), key)).toList();
        if (ids.isEmpty()) {
            if (listed.size() > 1) {
                throw new ConfigException(key + ": model '" + get(ModelOptions.ID) + "' starts from one snapshot, got "
                        + listed + " (several are for a models list, one item per listed model)");
            }
            return;
        }
        Set<String> seen = new HashSet<>();
        for (InitFrom from : listed) {
            if (!ids.contains(from.model())) {
                throw new ConfigException(key + ": " + from + " names no model of " + ModelOptions.MODELS.key() + " "
                        + ids + "; with a models list each item starts the listed model of that id from its own "
                        + "stored version (to start a model from another model's snapshot, set "
                        + ModelSettings.MODELS_PREFIX + "<id>." + key + ")");
            }
            if (!seen.add(from.model())) {
                throw new ConfigException(key + ": model '" + from.model() + "' is named twice in " + listed);
            }
            String own = ModelSettings.MODELS_PREFIX + from.model() + "." + key;
            if (values.containsKey(own)) {
                throw new ConfigException(key + ": " + from + " and " + own + "=" + values.get(own) + " both say where "
                        + "model '" + from.model() + "' starts; set one of them");
            }
        }
    }

    private void validateIds(List<String> ids) {
        if (ids.isEmpty()) {
            String id = get(ModelOptions.ID);
            if (!id.matches(ModelSettings.ID_PATTERN)) {
                throw new ConfigException(ModelOptions.ID.key() + ": '" + abbreviate(id) + "' " + ID_RULE);
            }
            return;
        }
        Set<String> seen = new HashSet<>();
        for (String id : ids) {
            if (!id.matches(ModelSettings.ID_PATTERN)) {
                throw new ConfigException(ModelOptions.MODELS.key() + ": model id '" + abbreviate(id) + "' " + ID_RULE);
            }
            if (!seen.add(id)) {
                throw new ConfigException(ModelOptions.MODELS.key() + ": model id '" + id + "' is listed twice");
            }
        }
        if (values.containsKey(ModelOptions.ID.key())) {
            LOG.warn("{}={} is not used: with a models list every model has its own id ({})", ModelOptions.ID.key(),
                    values.get(ModelOptions.ID.key()), ids);
        }
    }

    /** A {@code models.<id>.<key>} key: the id must be listed and the key one a model may override. */
    private static void validateModelKey(String key, List<String> ids, Map<String, ConfigOption<?>> known) {
        String rest = key.substring(ModelSettings.MODELS_PREFIX.length());
        int dot = rest.indexOf('.');
        String id = dot < 0 ? rest : rest.substring(0, dot);
        if (!ids.contains(id)) {
            throw new ConfigException(key + ": there is no model '" + id + "' in " + ModelOptions.MODELS.key() + " "
                    + ids + (ids.isEmpty() ? " (no models list is set)" : "")
                    + "; add an entry with id: " + id + " to the models list, or list it in --set models=...");
        }
        String sub = dot < 0 ? "" : rest.substring(dot + 1);
        if (sub.equals(ModelOptions.ID.key())) {
            throw new ConfigException(key + ": a model's id is the id of its models entry ('" + id + "')");
        }
        if (ModelSettings.OPTIONS.stream().anyMatch(o -> o.key().equals(sub))) {
            return;
        }
        if (known.containsKey(sub)) {
            throw new ConfigException(key + ": " + sub + " is shared by every model; a models entry may override "
                    + "only model.* and optimizer.* keys");
        }
        List<String> perModel = ModelSettings.OPTIONS.stream()
                .map(o -> ModelSettings.MODELS_PREFIX + id + "." + o.key()).toList();
        throw new ConfigException("unknown configuration key '" + key + "'" + suggestion(key, perModel));
    }

    /** Every model reads the same rows: same input width, same kind of label. */
    private static void validateSharedShape(List<ModelSettings> settings) {
        ModelSettings first = settings.get(0);
        Architecture a = first.architecture();
        for (ModelSettings m : settings.subList(1, settings.size())) {
            Architecture b = m.architecture();
            if (b.inputs() != a.inputs()) {
                throw new ConfigException(m.key(ModelOptions.LAYERS) + ": model '" + m.id() + "' has " + b.inputs()
                        + " inputs, model '" + first.id() + "' has " + a.inputs() + " ("
                        + first.key(ModelOptions.LAYERS) + "); every model trains on the same rows");
            }
            if (b.isClassifier() != a.isClassifier() || b.labelWidth() != a.labelWidth()
                    || (a.isClassifier() && b.classes() != a.classes())) {
                throw new ConfigException(m.key(b.isClassifier() == a.isClassifier() ? ModelOptions.LAYERS
                        : ModelOptions.OUTPUT) + ": model '" + m.id() + "' " + labels(b) + ", model '" + first.id()
                        + "' " + labels(a) + "; every model trains on the same labels");
            }
            if (!m.features().equals(first.features())) {
                throw new ConfigException(m.key(ModelOptions.FEATURE_NAMES) + ": model '" + m.id() + "' names its inputs "
                        + m.features() + ", model '" + first.id() + "' " + first.features() + " ("
                        + first.key(ModelOptions.FEATURE_NAMES) + "); every model reads the same rows, so all must "
                        + "name them alike");
            }
        }
    }

    private static String labels(Architecture a) {
        return a.isClassifier() ? "predicts " + a.classes() + " classes"
                : "regresses " + a.labelWidth() + " target" + (a.labelWidth() == 1 ? "" : "s");
    }

    /** A {@code kafka.properties.<client key>}: any client key but those streamtrain sets itself. */
    private static void validateKafkaProperty(String key) {
        String client = key.substring(KafkaOptions.PROPERTIES_PREFIX.length());
        if (client.isBlank()) {
            throw new ConfigException(key + ": names no Kafka client property (" + KafkaOptions.PROPERTIES_PREFIX
                    + "<client key>, e.g. " + KafkaOptions.PROPERTIES_PREFIX + "security.protocol)");
        }
        String why = KafkaOptions.RESERVED_PROPERTIES.get(client);
        if (why != null) {
            throw new ConfigException(key + ": streamtrain sets " + client + " itself; " + why);
        }
    }

    /** Ids in messages are cut short: a rejected one may be anything, of any length. */
    private static String abbreviate(String s) {
        return s.length() <= 60 ? s : s.substring(0, 60) + "...";
    }

    /** Logs a WARN when the user set {@code option}, which the consistency mode overrides. */
    private void warnOverridden(ConfigOption<?> option, String value) {
        if (values.containsKey(option.key())) {
            LOG.warn("{}={} is overridden to {} by {}={}", option.key(), values.get(option.key()), value,
                    TrainingOptions.CONSISTENCY.key(), get(TrainingOptions.CONSISTENCY));
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

    static String describeType(ConfigOption<?> option) {
        Object d = option.defaultValue();
        if (d instanceof List) {
            return "a list like [2, 2, 2]";
        }
        if (d instanceof Duration) {
            return "a duration like 200ms or 5s";
        }
        if (d instanceof org.apache.flink.configuration.MemorySize) {
            return "a size like 64mb or 512kb";
        }
        if (d instanceof Map) {
            return "keys like " + KafkaOptions.PROPERTIES_PREFIX + "security.protocol";
        }
        if (d instanceof Integer || d instanceof Long) {
            return "an integer";
        }
        if (d instanceof Double) {
            return "a number";
        }
        if (d instanceof Boolean) {
            return "true or false";
        }
        return d == null ? "a value" : "a " + d.getClass().getSimpleName().toLowerCase();
    }

    static String rootMessage(Throwable e) {
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
        if (best != null && bestDistance <= Math.max(3, key.length() / 3)) {
            return "; did you mean '" + best + "'?";
        }
        // a key cut short (kafka.dlq for kafka.dlq-topic): the shortest key it begins
        String completion = null;
        for (String k : known) {
            if (k.startsWith(key) && (completion == null || k.length() < completion.length())) {
                completion = k;
            }
        }
        if (completion != null) {
            return "; did you mean '" + completion + "'?";
        }
        // else the keys of its section, if the section is one
        int dot = key.indexOf('.');
        if (dot > 0) {
            String section = key.substring(0, dot + 1);
            List<String> same = new ArrayList<>();
            for (String k : known) {
                if (k.startsWith(section)) {
                    same.add(k);
                }
            }
            if (!same.isEmpty()) {
                return "; the " + section + "* keys are " + String.join(", ", same);
            }
        }
        return "";
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
        Iterator<Map.Entry<String, JsonNode>> fields = root.fields();
        while (fields.hasNext()) {
            Map.Entry<String, JsonNode> f = fields.next();
            if (f.getKey().equals(ModelOptions.MODELS.key())) {
                flattenModels(f.getValue(), out, source);
            } else {
                flatten(f.getKey(), f.getValue(), out, source);
            }
        }
        return out;
    }

    /**
     * The models list: each entry (a mapping with an id, or just an id) becomes the key
     * {@code models} (the ids, in order) and {@code models.<id>.<key>} for each of its settings.
     */
    private static void flattenModels(JsonNode list, Map<String, String> out, String source) {
        String key = ModelOptions.MODELS.key();
        if (!list.isArray()) {
            throw new ConfigException(source + ": " + key + " must be a list of entries, each with an id, e.g. "
                    + "models: [{id: small, model: {layers: [2, 4, 2]}}]");
        }
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < list.size(); i++) {
            JsonNode entry = list.get(i);
            String where = key + "[" + i + "]";
            JsonNode id = entry.isObject() ? entry.get("id") : entry;
            if (id == null || !id.isValueNode() || id.asText().isBlank()) {
                throw new ConfigException(source + ": " + where + " needs an id (e.g. id: small)");
            }
            String name = id.asText().trim();
            if (!name.matches(ModelSettings.ID_PATTERN)) {
                throw new ConfigException(source + ": " + where + ".id: '" + name + "' " + ID_RULE);
            }
            if (ids.contains(name)) {
                throw new ConfigException(source + ": " + where + ".id: '" + name + "' is the id of an earlier entry; "
                        + "model ids must be unique");
            }
            ids.add(name);
            Iterator<Map.Entry<String, JsonNode>> fields = entry.isObject() ? entry.fields() : Collections.emptyIterator();
            while (fields.hasNext()) {
                Map.Entry<String, JsonNode> f = fields.next();
                if (!f.getKey().equals("id")) {
                    flatten(key + "." + name + "." + f.getKey(), f.getValue(), out, source);
                }
            }
        }
        if (!ids.isEmpty()) {
            out.put(key, String.join(";", ids));
        }
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
