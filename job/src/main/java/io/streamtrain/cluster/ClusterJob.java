package io.streamtrain.cluster;

import io.streamtrain.config.ConfigException;
import io.streamtrain.config.JobOptions;
import io.streamtrain.config.KafkaOptions;
import io.streamtrain.config.ModelSpec;
import io.streamtrain.config.StreamtrainConfig;
import io.streamtrain.connectors.kafka.TopicCheck;
import io.streamtrain.job.StreamtrainJob;
import java.io.IOException;
import java.io.InputStream;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.jar.JarEntry;
import java.util.jar.JarFile;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.kafka.common.TopicPartition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * The job jar's entry point on a Flink cluster ({@code flink run streamtrain-job.jar --config
 * FILE}, or the REST API's {@code /jars/:id/run}): reads a job configuration like {@code
 * bin/streamtrain local} does and runs the training job on the cluster's environment.
 *
 * <p>Unlike {@code local}, nothing is started or created here: Kafka ({@code
 * kafka.bootstrap-servers}) and its topics must exist, and so must the snapshot database. The job
 * trains until it is stopped ({@code flink stop --drain} writes the final snapshot into the
 * savepoint's timeline, and a job resumed from that savepoint continues it), or, with {@code
 * job.bounded: true}, on the rows the rows topic holds when the job starts, ending by itself.
 *
 * <p>Never calls {@code System.exit}: on the REST API's jar run this {@code main} runs inside the
 * JobManager. A bad argument or configuration throws, naming the option or key.
 */
@Command(name = "streamtrain-job", mixinStandardHelpOptions = true,
        description = "Run the streamtrain training job on a Flink cluster.")
public final class ClusterJob {
    private static final Logger LOG = LoggerFactory.getLogger(ClusterJob.class);
    /** Where the job jar keeps the project's example configurations. */
    static final String BUNDLED = "config/";

    @Option(names = "--config", required = true, paramLabel = "FILE",
            description = "Job configuration (YAML): a file, or the name of one bundled in the jar (e.g. seed.yaml).")
    String config;

    @Option(names = "--set", paramLabel = "KEY=VALUE",
            description = "Any configuration key, e.g. --set kafka.bootstrap-servers=kafka:9092 (repeatable).")
    List<String> sets = new ArrayList<>();

    public static void main(String[] args) throws Exception {
        ClusterJob job = new ClusterJob();
        CommandLine cli = new CommandLine(job);
        CommandLine.ParseResult parsed;
        try {
            parsed = cli.parseArgs(args);
        } catch (CommandLine.ParameterException e) {
            throw new IllegalArgumentException(e.getMessage() + "\n" + cli.getUsageMessage(), e);
        }
        if (parsed.isUsageHelpRequested() || parsed.isVersionHelpRequested()) {
            cli.usage(System.out);
            return;
        }
        job.run(StreamExecutionEnvironment.getExecutionEnvironment());
    }

    /** Builds the job from the arguments and executes it on {@code env}. */
    void run(StreamExecutionEnvironment env) throws Exception {
        StreamtrainConfig cfg = load(config, StreamtrainConfig.parseAssignments(sets));
        String bootstrap = cfg.get(KafkaOptions.BOOTSTRAP_SERVERS);
        if (bootstrap.isBlank()) {
            throw new ConfigException(KafkaOptions.BOOTSTRAP_SERVERS.key() + " is not set: on a cluster the job reads "
                    + "an existing Kafka (e.g. --set " + KafkaOptions.BOOTSTRAP_SERVERS.key() + "=kafka:9092)");
        }
        boolean bounded = cfg.get(JobOptions.BOUNDED);
        LOG.info("streamtrain job: config {} (hash {}), {} model(s) {}, {}; effective configuration:\n{}", config,
                cfg.hash(), cfg.models().size(), ModelSpec.ids(cfg.models()),
                bounded ? "bounded: the rows the rows topic holds now" : "unbounded: trains until stopped",
                describe(cfg.effective()));
        requireTopics(cfg, bootstrap);
        Map<TopicPartition, Long> stopAt = null;
        if (bounded) {
            stopAt = TopicCheck.endOffsets(bootstrap, cfg.kafkaProperties(), cfg.get(KafkaOptions.ROWS_TOPIC));
            LOG.info("job.bounded: training on the rows topic up to {}", stopAt);
        }
        StreamtrainJob job = StreamtrainJob.fromConfig(cfg, bootstrap, stopAt, System.currentTimeMillis() - 1);
        job.build(env);
        env.execute(cfg.get(JobOptions.NAME));
    }

    /**
     * The configuration {@code --config} names: a file, or else a configuration bundled in the job
     * jar ({@code seed.yaml} or {@code config/seed.yaml}), with the {@code --set} overrides.
     */
    static StreamtrainConfig load(String config, Map<String, String> overrides) throws IOException {
        Path file = Path.of(config);
        if (Files.isRegularFile(file)) {
            return StreamtrainConfig.load(file, overrides);
        }
        String name = config.startsWith(BUNDLED) ? config : BUNDLED + config;
        try (InputStream in = ClusterJob.class.getClassLoader().getResourceAsStream(name)) {
            if (in == null || config.contains("..")) {
                throw new ConfigException("--config " + config + ": there is no such file, and the job jar bundles "
                        + "no configuration of that name (it has " + bundled() + ")");
            }
            return StreamtrainConfig.parse(new String(in.readAllBytes(), StandardCharsets.UTF_8), "job jar " + name,
                    overrides);
        }
    }

    /** The names of the configurations in the jar (or class directory) this class came from. */
    static List<String> bundled() {
        TreeSet<String> names = new TreeSet<>();
        try {
            Path where = Path.of(ClusterJob.class.getProtectionDomain().getCodeSource().getLocation().toURI());
            if (Files.isDirectory(where)) {
                try (var files = Files.list(where.resolve(BUNDLED))) {
                    files.map(p -> p.getFileName().toString()).filter(n -> n.endsWith(".yaml")).forEach(names::add);
                }
            } else {
                try (JarFile jar = new JarFile(where.toFile())) {
                    for (JarEntry e : (Iterable<JarEntry>) jar.stream()::iterator) {
                        String n = e.getName();
                        if (n.startsWith(BUNDLED) && n.endsWith(".yaml") && n.indexOf('/', BUNDLED.length()) < 0) {
                            names.add(n.substring(BUNDLED.length()));
                        }
                    }
                }
            }
        } catch (IOException | URISyntaxException | RuntimeException e) {
            LOG.debug("cannot list the bundled configurations", e);
        }
        return List.copyOf(names);
    }

    /** Every topic the job reads or writes must exist: it creates none on a cluster. */
    private static void requireTopics(StreamtrainConfig cfg, String bootstrap) throws Exception {
        Map<String, String> topics = new LinkedHashMap<>();
        topics.put(KafkaOptions.ROWS_TOPIC.key(), cfg.get(KafkaOptions.ROWS_TOPIC));
        topics.put(KafkaOptions.PARAMS_TOPIC.key(), cfg.get(KafkaOptions.PARAMS_TOPIC));
        topics.put(KafkaOptions.DLQ_TOPIC.key(), cfg.get(KafkaOptions.DLQ_TOPIC));
        String holdout = cfg.get(KafkaOptions.HOLDOUT_TOPIC);
        if (!holdout.isEmpty()) {
            topics.put(KafkaOptions.HOLDOUT_TOPIC.key(), holdout);
        }
        TopicCheck.requireTopics(bootstrap, cfg.kafkaProperties(), topics, "create it before starting the job (the parameters topic with "
                + "one partition; " + KafkaOptions.HOLDOUT_TOPIC.key() + " may be set to empty to train without "
                + "held-out evaluation)");
    }

    private static String describe(Map<String, String> settings) {
        StringBuilder sb = new StringBuilder();
        settings.forEach((k, v) -> sb.append("  ").append(k).append(" = ").append(v).append('\n'));
        return sb.toString();
    }
}
