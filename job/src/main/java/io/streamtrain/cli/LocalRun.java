package io.streamtrain.cli;

import io.streamtrain.compute.ComputeBackend;
import io.streamtrain.config.DataOptions;
import io.streamtrain.config.JobOptions;
import io.streamtrain.config.KafkaOptions;
import io.streamtrain.config.ModelSpec;
import io.streamtrain.config.SinkOptions;
import io.streamtrain.config.StartPoint;
import io.streamtrain.config.StreamtrainConfig;
import io.streamtrain.connectors.format.ModelVersionFormat;
import io.streamtrain.connectors.jdbc.SnapshotReader;
import io.streamtrain.connectors.kafka.EmbeddedKafka;
import io.streamtrain.connectors.kafka.RawRowDeserializer;
import io.streamtrain.connectors.kafka.SendRows;
import io.streamtrain.connectors.record.ModelSnapshot;
import io.streamtrain.connectors.record.ModelVersion;
import io.streamtrain.connectors.record.RawRow;
import io.streamtrain.data.DataSet;
import io.streamtrain.data.DataSets;
import io.streamtrain.data.RowFormat;
import io.streamtrain.data.RowFormats;
import io.streamtrain.data.RowOrder;
import io.streamtrain.data.Rows;
import io.streamtrain.job.StreamtrainJob;
import io.streamtrain.nn.Architecture;
import io.streamtrain.nn.DenseNetwork;
import io.streamtrain.nn.Evaluation;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.apache.flink.api.common.JobExecutionResult;
import org.apache.flink.connector.kafka.source.reader.deserializer.KafkaRecordDeserializationSchema;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.slf4j.Logger;
import org.nd4j.linalg.api.buffer.DataType;
import org.slf4j.LoggerFactory;

/**
 * One bounded local training run: an embedded Kafka broker (unless one is configured), the
 * topics, the data set's held-out rows written to their topic, the job on the given environment,
 * the data set's training rows streamed while the job trains, and, at the end, every model's final
 * snapshot (with the job's own held-out scores) read back from the database and scored again in
 * Java on the held-out rows, parsed by the job's own row format, for the confusion matrix.
 */
public final class LocalRun {
    private static final Logger LOG = LoggerFactory.getLogger(LocalRun.class);

    /**
     * The final numbers of a run, one entry per model in the order of the configuration.
     *
     * @param rowsSent rows streamed into the rows topic (every pass, and the extra rows)
     * @param holdoutRows held-out rows written to the held-out topic
     * @param holdoutRejected held-out rows that do not parse, so were scored by neither the job nor here
     */
    public record Result(List<ModelResult> models, long rowsSent, long holdoutRows, long holdoutRejected,
            double seconds, double rowsPerSecond, String snapshotDb) {

        /** The result of model {@code id}. */
        public ModelResult model(String id) {
            return models.stream().filter(m -> m.model().equals(id)).findFirst()
                    .orElseThrow(() -> new IllegalArgumentException("no model '" + id + "' in this run"));
        }
    }

    /**
     * One model's final numbers.
     *
     * @param architecture e.g. {@code 2-2-2 relu/softmax/cross-entropy}
     * @param optimizer e.g. {@code sgd lr 0.1 l2 0.001}
     * @param versions versions this run made (the final one is {@code start.version() + versions})
     * @param prequentialAccuracy over every row trained (scored before training on it)
     * @param finalSnapshot the final snapshot, with the held-out scores the job computed
     * @param holdout the final snapshot's parameters scored here on the held-out rows (accuracy,
     *     confusion matrix; null without held-out rows)
     * @param start where the model's timeline started
     */
    public record ModelResult(String model, String architecture, String optimizer, long rowsTrained,
            long rowsRejected, long versions, double prequentialAccuracy, double prequentialLoss,
            ModelSnapshot finalSnapshot, Evaluation holdout, StartPoint start) {

        public double holdoutAccuracy() {
            return finalSnapshot.holdoutAccuracy();
        }
    }

    private final StreamtrainConfig config;
    private final DataSet data;
    private final Path workDir;
    private final List<byte[]> extraRows;
    private Consumer<ModelVersion> progress = v -> {};
    private Consumer<String> events = s -> {};
    private KafkaRecordDeserializationSchema<RawRow> rowsDeserializer = new RawRowDeserializer();
    private volatile boolean stopWatching;

    /**
     * A run on the data set the configuration names.
     *
     * @param workDir where an embedded broker keeps its logs (deleted afterwards)
     * @param extraRows raw rows streamed after the data set's (e.g. malformed ones)
     */
    public LocalRun(StreamtrainConfig config, Path workDir, List<byte[]> extraRows) throws java.io.IOException {
        this(config, DataSets.open(config), workDir, extraRows);
    }

    /** A run on {@code data} (already opened, e.g. to read a file's header into the configuration). */
    public LocalRun(StreamtrainConfig config, DataSet data, Path workDir, List<byte[]> extraRows) {
        DataSets.checkFits(config, config.architecture());
        this.config = config;
        this.data = data;
        this.workDir = workDir;
        this.extraRows = extraRows;
    }

    /** Called with every version read back from the parameters topic (from a separate thread). */
    public LocalRun onVersion(Consumer<ModelVersion> progress) {
        this.progress = progress;
        return this;
    }

    /**
     * Reads the rows topic with {@code deserializer} instead of {@link RawRowDeserializer} (a fault
     * test wraps it to fail a task mid-run).
     */
    public LocalRun withRowsDeserializer(KafkaRecordDeserializationSchema<RawRow> deserializer) {
        this.rowsDeserializer = deserializer;
        return this;
    }

    /** Called with one-line messages about what the run is doing. */
    public LocalRun onEvent(Consumer<String> events) {
        this.events = events;
        return this;
    }

    /** How the workers and the updater share the work, as the run's summary line says it. */
    static String consistency(StreamtrainConfig config) {
        return switch (config.consistency()) {
            case SYNC -> "sync: one block per shard per version";
            case BOUNDED -> "bounded: " + config.maxInFlight() + (config.maxInFlight() == 1 ? " block" : " blocks")
                    + " in flight per shard, " + config.windowBlocks() + " per version";
            case ASYNC -> "async: " + config.windowBlocks() + " blocks per version";
            case LOCAL -> "local: a replica per shard, merged every " + config.localSteps() + " blocks"
                    + (config.localOverlap() ? ", training on with up to " + config.maxInFlight() + " in flight"
                            : ", each round from the merged version");
        };
    }

    public Result run(StreamExecutionEnvironment env, Duration timeout) throws Exception {
        // the workers run in this JVM: check the backend before starting anything
        events.accept(ComputeBackend.require(config.computeBackend(), "local run").message());
        String bootstrap = config.get(KafkaOptions.BOOTSTRAP_SERVERS);
        EmbeddedKafka broker = null;
        try {
            if (bootstrap.isEmpty()) {
                long t0 = System.nanoTime();
                broker = EmbeddedKafka.start(workDir);
                bootstrap = broker.bootstrapServers();
                events.accept(String.format("Kafka broker (KRaft, embedded) on %s, started in %.1f s", bootstrap,
                        (System.nanoTime() - t0) / 1e9));
            }
            return train(env, bootstrap, broker, timeout);
        } finally {
            if (broker != null) {
                broker.close();
            }
        }
    }

    private Result train(StreamExecutionEnvironment env, String bootstrap, EmbeddedKafka broker, Duration timeout)
            throws Exception {
        String rowsTopic = config.get(KafkaOptions.ROWS_TOPIC);
        String paramsTopic = config.get(KafkaOptions.PARAMS_TOPIC);
        String holdoutTopic = config.get(KafkaOptions.HOLDOUT_TOPIC);
        int partitions = config.get(KafkaOptions.PARTITIONS);
        if (broker != null) {
            Map<String, Integer> topics = new LinkedHashMap<>();
            topics.put(rowsTopic, partitions);
            topics.put(config.get(KafkaOptions.DLQ_TOPIC), partitions);
            topics.put(paramsTopic, 1);
            if (!holdoutTopic.isEmpty()) {
                topics.put(holdoutTopic, 1);
            }
            broker.createTopics(topics);
            events.accept("topics " + rowsTopic + " (" + partitions + " partitions), "
                    + String.join(", ", topics.keySet().stream().skip(1).toList()) + " ready");
        }
        long holdoutRows = 0;
        if (!holdoutTopic.isEmpty()) {
            // written before the job starts: the job reads the held-out topic up to its end at start
            SendRows holdoutSender = new SendRows(bootstrap, holdoutTopic, config.kafkaProperties());
            int holdoutPartitions = holdoutSender.prepareTopic(1);
            holdoutRows = holdoutSender.send(new RowOrder(data.holdout(), 1, 0, false, 0), holdoutPartitions, 0,
                    n -> {}).rows();
            events.accept(String.format(Locale.ROOT, "held-out set: %,d rows in %s", holdoutRows, holdoutTopic));
        }
        SendRows sender = new SendRows(bootstrap, rowsTopic, config.kafkaProperties());
        partitions = sender.prepareTopic(partitions);
        RowOrder order = new RowOrder(data.train(), config.get(DataOptions.EPOCHS), config.get(DataOptions.ROWS),
                config.get(DataOptions.SHUFFLE), config.get(DataOptions.SEED));
        events.accept(String.format(Locale.ROOT, "data: %s; %,d training rows (%d x %,d)", data.description(),
                order.total(), config.get(DataOptions.EPOCHS), order.total() / config.get(DataOptions.EPOCHS)));
        // message i goes to partition i mod partitions, so where the run ends is known up front
        long total = order.total() + extraRows.size();
        int rowsPerMessage = config.get(DataOptions.ROWS_PER_MESSAGE);
        long[] messages = SendRows.messagesPerPartition(total, rowsPerMessage, partitions);
        Map<TopicPartition, Long> stopAt = new HashMap<>();
        for (int p = 0; p < partitions; p++) {
            stopAt.put(new TopicPartition(rowsTopic, p), messages[p]);
        }
        long start = System.currentTimeMillis();
        StreamtrainJob trainingJob = StreamtrainJob.fromConfig(config, bootstrap, stopAt, start - 1, rowsDeserializer);
        List<ModelSpec> models = trainingJob.models();
        trainingJob.build(env);
        long t0 = System.nanoTime();
        JobClient job = env.executeAsync(config.get(JobOptions.NAME));
        // take the result future now: a local cluster shuts down with the job
        var result = job.getJobExecutionResult();
        events.accept("job " + job.getJobID() + " submitted (parallelism " + config.parallelism() + ", "
                + models.size() + (models.size() == 1 ? " model" : " models") + ", " + consistency(config) + ")");

        Map<String, ModelVersion> lastSeen = new ConcurrentHashMap<>();
        Thread watcher = new Thread(() -> watch(bootstrap, paramsTopic, start, ModelSpec.ids(models), lastSeen),
                "params-watcher");
        watcher.setDaemon(true);
        watcher.start();
        Iterator<byte[]> extra = extraRows.iterator();
        Iterator<byte[]> all = new Iterator<>() {
            @Override
            public boolean hasNext() {
                return order.hasNext() || extra.hasNext();
            }

            @Override
            public byte[] next() {
                return order.hasNext() ? order.next() : extra.next();
            }
        };
        SendRows.Report sent = sender.send(all, rowsPerMessage, partitions, config.get(DataOptions.RATE), n -> {});
        events.accept(String.format(Locale.ROOT, "sent %,d rows (%,.1f MB%s) to %s in %.1f s", sent.rows(),
                sent.bytes() / 1e6, rowsPerMessage > 1 ? String.format(Locale.ROOT, ", %,d messages", sent.messages()) : "",
                rowsTopic, sent.seconds()));

        JobExecutionResult done;
        try {
            done = result.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (java.util.concurrent.TimeoutException e) {
            job.cancel().get(30, TimeUnit.SECONDS);
            throw new IllegalStateException("the run did not finish within " + timeout + "; cancelled it", e);
        }
        double seconds = (System.nanoTime() - t0) / 1e9;
        watcher.join(5_000);
        stopWatching = true;
        watcher.join(5_000);
        LOG.info("job finished in {} ms", done.getNetRuntime());

        String url = config.get(SinkOptions.URL);
        String where = StreamtrainConfig.redact(url);
        HeldOut held = parse(data.holdout());
        List<ModelResult> results = new ArrayList<>();
        for (ModelSpec model : models) {
            ModelSnapshot last = SnapshotReader.latest(url, config.get(SinkOptions.TABLE_PREFIX), model.id())
                    .orElseThrow(() -> new IllegalStateException("no snapshot of model '" + model.id() + "' in " + where));
            if (!last.last()) {
                throw new IllegalStateException("the newest snapshot of model '" + model.id() + "' (version "
                        + last.version() + ") is not the final one");
            }
            ModelVersion finalVersion = lastSeen.get(model.id());
            boolean known = finalVersion != null && finalVersion.last();
            results.add(new ModelResult(model.id(), model.architecture().toString(), model.optimizer(),
                    last.rowsTrained(), last.rowsRejected(), last.version() - model.start().version(),
                    known ? finalVersion.prequentialAccuracy() : Double.NaN,
                    known ? finalVersion.prequentialLoss() : Double.NaN, last,
                    score(model.architecture(), last.parameters(), held), model.start()));
        }
        return new Result(results, sent.rows(), holdoutRows, held.rejected(), seconds,
                results.get(0).rowsTrained() / seconds, where);
    }

    /** Held-out rows parsed by the job's row format; the ones that do not parse are counted. */
    private record HeldOut(float[] x, float[] y, int rows, int rejected) {}

    private HeldOut parse(Rows rows) {
        RowFormat format = RowFormats.fromConfig(config, config.architecture());
        float[] x = new float[rows.size() * format.features()];
        float[] y = new float[rows.size() * format.labelWidth()];
        int n = 0;
        int rejected = 0;
        for (int i = 0; i < rows.size(); i++) {
            if (format.parse(rows.get(i), x, n * format.features(), y, n * format.labelWidth()) == null) {
                n++;
            } else {
                rejected++;
            }
        }
        return new HeldOut(x, y, n, rejected);
    }

    /** Scores {@code parameters} on the held-out rows in double precision, batch by batch. */
    private static Evaluation score(Architecture arch, double[] parameters, HeldOut held) {
        if (held.rows() == 0) {
            return null;
        }
        int batch = Math.min(held.rows(), 1024);
        DenseNetwork network = new DenseNetwork(arch, DataType.DOUBLE, batch);
        network.setParameters(parameters);
        Evaluation evaluation = new Evaluation(arch);
        int in = arch.inputs();
        int lw = arch.labelWidth();
        for (int from = 0; from < held.rows(); from += batch) {
            int n = Math.min(batch, held.rows() - from);
            network.evaluate(java.util.Arrays.copyOfRange(held.x(), from * in, (from + n) * in),
                    java.util.Arrays.copyOfRange(held.y(), from * lw, (from + n) * lw), n, evaluation);
        }
        return evaluation;
    }

    /** Reads versions back from the parameters topic for the progress line, until every model's final one. */
    private void watch(String bootstrap, String topic, long start, List<String> models,
            Map<String, ModelVersion> lastSeen) {
        Properties props = new Properties();
        props.put("bootstrap.servers", bootstrap);
        props.put("key.deserializer", ByteArrayDeserializer.class.getName());
        props.put("value.deserializer", ByteArrayDeserializer.class.getName());
        props.put("max.partition.fetch.bytes", Integer.toString(config.get(KafkaOptions.MAX_MESSAGE_BYTES)));
        props.put("fetch.max.bytes", Integer.toString(config.get(KafkaOptions.MAX_MESSAGE_BYTES)));
        props.putAll(config.kafkaProperties());
        Set<String> waiting = new HashSet<>(models);
        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(props)) {
            TopicPartition tp = new TopicPartition(topic, 0);
            consumer.assign(List.of(tp));
            var offset = consumer.offsetsForTimes(Map.of(tp, start)).get(tp);
            if (offset != null) {
                consumer.seek(tp, offset.offset());
            } else {
                consumer.seekToEnd(List.of(tp));
            }
            while (!stopWatching) {
                for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(200))) {
                    ModelVersion v = ModelVersionFormat.decode(r.value());
                    if (!waiting.contains(v.model())) {
                        continue;
                    }
                    ModelVersion seen = lastSeen.get(v.model());
                    if (v.isNewerThan(seen) || (v.last() && !seen.last())) {
                        lastSeen.put(v.model(), v);
                        progress.accept(v);
                    }
                    if (v.last()) {
                        waiting.remove(v.model());
                    }
                    if (waiting.isEmpty()) {
                        return;
                    }
                }
            }
        } catch (org.apache.kafka.common.KafkaException e) {
            LOG.debug("parameters watcher stopped: {}", e.toString());
        }
    }
}
