package io.streamtrain.cli;

import io.streamtrain.config.DataOptions;
import io.streamtrain.config.KafkaOptions;
import io.streamtrain.config.StreamtrainConfig;
import io.streamtrain.connectors.kafka.SendRows;
import io.streamtrain.data.DataSet;
import io.streamtrain.data.DataSets;
import io.streamtrain.data.RowOrder;
import io.streamtrain.data.Rows;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.stream.Collectors;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code streamtrain produce}: streams a data set or a CSV/JSON file into a Kafka topic. */
@Command(name = "produce", mixinStandardHelpOptions = true,
        description = "Stream the seed data, Fashion-MNIST or a CSV/JSON file into a Kafka topic, one row per message.")
public final class ProduceCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Option(names = "--bootstrap-servers", description = "Kafka bootstrap servers (kafka.bootstrap-servers).")
    String bootstrapServers;

    @Option(names = "--topic", description = "Topic to write (default: kafka.rows-topic).")
    String topic;

    @Option(names = "--config", description = "Job configuration (YAML) whose data.* settings apply; default: none.")
    Path configFile;

    @Option(names = "--dataset", paramLabel = "seed|fashion-mnist",
            description = "The data set to stream (data.generator).")
    String dataset;

    @Option(names = "--file", paramLabel = "FILE",
            description = "Stream this CSV or JSON file instead (data.generator=file, data.file); "
                    + ".json/.jsonl/.ndjson files are JSON unless data.format is set.")
    Path file;

    @Option(names = "--split", defaultValue = "train", paramLabel = "train|holdout",
            description = "train: the training rows; holdout: the held-out rows (Fashion-MNIST's test images, "
                    + "the seed's held-out stream, a file's held-out share). Default: ${DEFAULT-VALUE}")
    String split;

    @Option(names = "--classes", split = ",", paramLabel = "C",
            description = "Fashion-MNIST: keep only these classes, renumbered 0..k-1 in this order, e.g. --classes 0,1 "
                    + "(data.classes-filter).")
    List<Integer> classes;

    @Option(names = "--epochs", description = "Passes over the rows (data.epochs).")
    Integer epochs;

    @Option(names = "--seed", description = "Seed of the shuffling and of the seed generator (data.seed).")
    Long seed;

    @Option(names = "--no-shuffle", description = "Stream in the data set's order (data.shuffle=false).")
    boolean noShuffle;

    @Option(names = "--rows", description = "Rows per pass: the seed generator makes this many, others stop "
            + "after this many (data.rows; 0 = all).")
    Long rows;

    @Option(names = "--rate", description = "At most this many rows per second (data.rate; 0 = no limit).")
    Double rate;

    @Option(names = "--rows-per-message", paramLabel = "N",
            description = "Write N rows back to back in each message (data.rows-per-message; needs data.format=dense).")
    Integer rowsPerMessage;

    @Option(names = "--partitions", description = "Partitions of the topic when it has to be created (kafka.partitions).")
    Integer partitions;

    @Option(names = "--set", description = "Any configuration key, e.g. --set data.format=json (repeatable).")
    List<String> sets = new ArrayList<>();

    @Option(names = "--producer-property", paramLabel = "KEY=VALUE",
            description = "A Kafka producer setting, e.g. --producer-property compression.type=lz4 (repeatable); "
                    + "over the kafka.properties.* of the configuration, which apply too.")
    List<String> producerProperties = new ArrayList<>();

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        Map<String, String> overrides = StreamtrainConfig.parseAssignments(sets);
        if (dataset != null && file != null) {
            throw new IllegalArgumentException("give --dataset or --file, not both");
        }
        if (dataset != null) {
            overrides.put(DataOptions.GENERATOR.key(), dataset);
        }
        if (file != null) {
            overrides.put(DataOptions.GENERATOR.key(), "file");
            overrides.put(DataOptions.FILE.key(), file.toString());
        }
        put(overrides, DataOptions.CLASSES_FILTER.key(),
                classes == null ? null : classes.stream().map(String::valueOf).collect(Collectors.joining(";")));
        put(overrides, DataOptions.EPOCHS.key(), epochs);
        put(overrides, DataOptions.SEED.key(), seed);
        put(overrides, DataOptions.ROWS.key(), rows);
        put(overrides, DataOptions.RATE.key(), rate);
        put(overrides, DataOptions.ROWS_PER_MESSAGE.key(), rowsPerMessage);
        put(overrides, KafkaOptions.PARTITIONS.key(), partitions);
        put(overrides, KafkaOptions.BOOTSTRAP_SERVERS.key(), bootstrapServers);
        if (noShuffle) {
            overrides.put(DataOptions.SHUFFLE.key(), "false");
        }
        StreamtrainConfig config = StreamtrainConfig.load(configFile, overrides);
        if (file != null) {
            config = DataSets.forFile(config, file);
        }
        String bootstrap = config.get(KafkaOptions.BOOTSTRAP_SERVERS);
        if (bootstrap.isBlank()) {
            throw new IllegalArgumentException("produce needs --bootstrap-servers (or kafka.bootstrap-servers)");
        }
        if (!split.equals("train") && !split.equals("holdout")) {
            throw new IllegalArgumentException("--split must be train or holdout, got '" + split + "'");
        }
        String target = topic != null ? topic : config.get(KafkaOptions.ROWS_TOPIC);
        // the configuration's client properties (security, say), then --producer-property over them
        Map<String, String> props = new LinkedHashMap<>(config.kafkaProperties());
        props.putAll(StreamtrainConfig.parseAssignments(producerProperties));

        DataSet data = DataSets.open(config);
        Rows selected = split.equals("train") ? data.train() : data.holdout();
        RowOrder order = new RowOrder(selected, config.get(DataOptions.EPOCHS), config.get(DataOptions.ROWS),
                config.get(DataOptions.SHUFFLE), config.get(DataOptions.SEED));
        out.printf(Locale.ROOT, "streamtrain produce: %s, %s split: %,d rows (%d x %,d)%s%n", data.description(), split,
                order.total(), config.get(DataOptions.EPOCHS), order.total() / config.get(DataOptions.EPOCHS),
                config.get(DataOptions.SHUFFLE) ? ", shuffled with seed " + config.get(DataOptions.SEED) : "");
        if (!data.header().isEmpty()) {
            out.println("header (not sent): " + data.header());
        }
        SendRows sender = new SendRows(bootstrap, target, props);
        int topicPartitions = sender.prepareTopic(config.get(KafkaOptions.PARTITIONS));
        out.printf("topic %s (%d partitions) at %s%n", target, topicPartitions, bootstrap);
        out.flush();
        int rowsPerMessage = config.get(DataOptions.ROWS_PER_MESSAGE);
        SendRows.Report report = sender.send(order, rowsPerMessage, topicPartitions, config.get(DataOptions.RATE),
                n -> {});
        out.printf(Locale.ROOT, "sent %,d rows (%,d bytes, %.1f MB%s) to %s in %.1f s: %,.0f rows/s%n", report.rows(),
                report.bytes(), report.bytes() / 1e6,
                rowsPerMessage > 1 ? String.format(Locale.ROOT, " in %,d messages", report.messages()) : "", target,
                report.seconds(), report.rowsPerSecond());
        out.flush();
        return 0;
    }

    private static void put(Map<String, String> overrides, String key, Object value) {
        if (value != null) {
            overrides.put(key, value.toString());
        }
    }
}
