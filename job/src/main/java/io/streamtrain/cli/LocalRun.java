package io.streamtrain.cli;

import io.streamtrain.compute.ComputeBackend;
import io.streamtrain.config.DataOptions;
import io.streamtrain.config.JobOptions;
import io.streamtrain.config.KafkaOptions;
import io.streamtrain.config.ModelOptions;
import io.streamtrain.config.SinkOptions;
import io.streamtrain.config.StreamtrainConfig;
import io.streamtrain.connectors.format.ModelVersionFormat;
import io.streamtrain.connectors.jdbc.SnapshotReader;
import io.streamtrain.connectors.kafka.EmbeddedKafka;
import io.streamtrain.connectors.record.ModelSnapshot;
import io.streamtrain.connectors.record.ModelVersion;
import io.streamtrain.data.SeedData;
import io.streamtrain.job.StreamtrainJob;
import io.streamtrain.nn.ForwardPass;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;
import org.apache.flink.api.common.JobExecutionResult;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One bounded local training run: an embedded Kafka broker (unless one is configured), the
 * topics, the job on the given environment, a generator streaming the seed rows while the job
 * trains, and, at the end, the final snapshot read back from the database and scored on the
 * held-out rows.
 */
public final class LocalRun {
    private static final Logger LOG = LoggerFactory.getLogger(LocalRun.class);

    /** The final numbers of a run. */
    public record Result(long rowsTrained, long rowsRejected, long versions, double prequentialAccuracy,
            double prequentialLoss, double holdoutAccuracy, double seconds, double rowsPerSecond, String snapshotDb,
            ModelSnapshot finalSnapshot) {}

    private final StreamtrainConfig config;
    private final Path workDir;
    private final List<byte[]> extraRows;
    private Consumer<ModelVersion> progress = v -> {};
    private Consumer<String> events = s -> {};
    private volatile boolean stopWatching;

    /**
     * @param workDir where an embedded broker keeps its logs (deleted afterwards)
     * @param extraRows raw rows streamed after the generated ones (e.g. malformed ones)
     */
    public LocalRun(StreamtrainConfig config, Path workDir, List<byte[]> extraRows) {
        this.config = config;
        this.workDir = workDir;
        this.extraRows = extraRows;
    }

    /** Called with every version read back from the parameters topic (from a separate thread). */
    public LocalRun onVersion(Consumer<ModelVersion> progress) {
        this.progress = progress;
        return this;
    }

    /** Called with one-line messages about what the run is doing. */
    public LocalRun onEvent(Consumer<String> events) {
        this.events = events;
        return this;
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
        int partitions = config.get(KafkaOptions.PARTITIONS);
        long rows = config.get(DataOptions.ROWS);
        if (broker != null) {
            broker.createTopics(Map.of(rowsTopic, partitions, config.get(KafkaOptions.DLQ_TOPIC), partitions,
                    paramsTopic, 1));
            events.accept("topics " + rowsTopic + " (" + partitions + " partitions), "
                    + config.get(KafkaOptions.DLQ_TOPIC) + ", " + paramsTopic + " ready");
        }
        // row i goes to partition i mod partitions, so where the run ends is known up front
        long total = rows + extraRows.size();
        Map<TopicPartition, Long> stopAt = new HashMap<>();
        for (int p = 0; p < partitions; p++) {
            long count = total / partitions + (p < total % partitions ? 1 : 0);
            stopAt.put(new TopicPartition(rowsTopic, p), count);
        }
        long start = System.currentTimeMillis();
        StreamtrainJob.fromConfig(config, bootstrap, stopAt, start - 1).build(env);
        long t0 = System.nanoTime();
        JobClient job = env.executeAsync(config.get(JobOptions.NAME));
        // take the result future now: a local cluster shuts down with the job
        var result = job.getJobExecutionResult();
        events.accept("job " + job.getJobID() + " submitted (parallelism " + config.parallelism() + ")");

        AtomicReference<ModelVersion> lastSeen = new AtomicReference<>();
        Thread watcher = new Thread(() -> watch(bootstrap, paramsTopic, start, lastSeen), "params-watcher");
        watcher.setDaemon(true);
        watcher.start();
        long sent = produce(bootstrap, rowsTopic, partitions, rows);
        events.accept("generator sent " + sent + " rows to " + rowsTopic);

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
        ModelSnapshot last = SnapshotReader.latest(url, config.get(SinkOptions.TABLE_PREFIX), config.get(ModelOptions.ID))
                .orElseThrow(() -> new IllegalStateException("no snapshot of model '" + config.get(ModelOptions.ID)
                        + "' in " + url));
        if (!last.last()) {
            throw new IllegalStateException("the newest snapshot (version " + last.version() + ") is not the final one");
        }
        int holdoutRows = config.get(DataOptions.HOLDOUT_ROWS);
        double holdout = Double.NaN;
        if (holdoutRows > 0) {
            float[][] h = SeedData.holdout(config.get(DataOptions.SEED)).arrays(holdoutRows);
            holdout = new ForwardPass(config.architecture(), last.parameters()).accuracy(h[0], h[1], holdoutRows);
        }
        ModelVersion finalVersion = lastSeen.get();
        double prequentialAccuracy = finalVersion != null && finalVersion.last()
                ? finalVersion.prequentialAccuracy() : Double.NaN;
        double prequentialLoss = finalVersion != null && finalVersion.last() ? finalVersion.prequentialLoss() : Double.NaN;
        return new Result(last.rowsTrained(), last.rowsRejected(), last.version(), prequentialAccuracy, prequentialLoss,
                holdout, seconds, last.rowsTrained() / seconds, url, last);
    }

    /** Streams the generated rows, then the extra ones; checks every send. */
    private long produce(String bootstrap, String topic, int partitions, long rows) throws Exception {
        Properties props = new Properties();
        props.put("bootstrap.servers", bootstrap);
        props.put("key.serializer", ByteArraySerializer.class.getName());
        props.put("value.serializer", ByteArraySerializer.class.getName());
        props.put("linger.ms", "5");
        props.put("batch.size", Integer.toString(256 * 1024));
        props.put("acks", "all");
        SeedData data = new SeedData(config.get(DataOptions.SEED));
        AtomicReference<Exception> failure = new AtomicReference<>();
        long i = 0;
        try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(props)) {
            for (; i < rows + extraRows.size(); i++) {
                byte[] value = i < rows ? data.csv(i) : extraRows.get((int) (i - rows));
                producer.send(new ProducerRecord<>(topic, (int) (i % partitions), null, value), (meta, e) -> {
                    if (e != null) {
                        failure.compareAndSet(null, e);
                    }
                });
                if (failure.get() != null) {
                    break;
                }
            }
            producer.flush();
        }
        if (failure.get() != null) {
            throw new IllegalStateException("the generator could not write to " + topic, failure.get());
        }
        return i;
    }

    /** Reads versions back from the parameters topic for the progress line, until the final one. */
    private void watch(String bootstrap, String topic, long start, AtomicReference<ModelVersion> lastSeen) {
        Properties props = new Properties();
        props.put("bootstrap.servers", bootstrap);
        props.put("key.deserializer", ByteArrayDeserializer.class.getName());
        props.put("value.deserializer", ByteArrayDeserializer.class.getName());
        props.put("max.partition.fetch.bytes", Integer.toString(config.get(KafkaOptions.MAX_MESSAGE_BYTES)));
        props.put("fetch.max.bytes", Integer.toString(config.get(KafkaOptions.MAX_MESSAGE_BYTES)));
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
                    if (v.isNewerThan(lastSeen.get()) || (v.last() && !lastSeen.get().last())) {
                        lastSeen.set(v);
                        progress.accept(v);
                    }
                    if (v.last()) {
                        return;
                    }
                }
            }
        } catch (org.apache.kafka.common.KafkaException e) {
            LOG.debug("parameters watcher stopped: {}", e.toString());
        }
    }
}
