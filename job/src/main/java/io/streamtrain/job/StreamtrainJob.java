package io.streamtrain.job;

import io.streamtrain.config.JobOptions;
import io.streamtrain.config.KafkaOptions;
import io.streamtrain.config.ModelSpec;
import io.streamtrain.config.SinkOptions;
import io.streamtrain.config.StreamtrainConfig;
import io.streamtrain.config.TrainingOptions;
import io.streamtrain.connectors.jdbc.Retention;
import io.streamtrain.connectors.jdbc.SnapshotSink;
import io.streamtrain.connectors.kafka.DeadLetterSerializer;
import io.streamtrain.connectors.kafka.ModelVersionDeserializer;
import io.streamtrain.connectors.kafka.ModelVersionSerializer;
import io.streamtrain.connectors.kafka.RawRowDeserializer;
import io.streamtrain.connectors.kafka.ReadAheadSource;
import io.streamtrain.connectors.kafka.StopOnFinalSource;
import io.streamtrain.connectors.kafka.TopicCheck;
import io.streamtrain.connectors.record.DeadLetter;
import io.streamtrain.connectors.record.ModelSnapshot;
import io.streamtrain.connectors.record.ModelVersion;
import io.streamtrain.connectors.record.RawRow;
import io.streamtrain.data.RowFormat;
import io.streamtrain.data.RowFormats;
import io.streamtrain.nn.Architecture;
import io.streamtrain.nn.Kernel;
import java.time.Duration;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.UnaryOperator;
import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.api.connector.sink2.Sink;
import org.apache.flink.api.connector.source.Source;
import org.apache.flink.api.connector.source.SourceSplit;
import org.apache.flink.api.java.functions.KeySelector;
import org.apache.flink.connector.base.DeliveryGuarantee;
import org.apache.flink.connector.kafka.sink.KafkaSink;
import org.apache.flink.connector.kafka.source.KafkaSource;
import org.apache.flink.connector.kafka.source.enumerator.initializer.OffsetsInitializer;
import org.apache.flink.connector.kafka.source.reader.deserializer.KafkaRecordDeserializationSchema;
import org.apache.flink.runtime.state.KeyGroupRangeAssignment;
import org.apache.flink.streaming.api.datastream.BroadcastStream;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.datastream.SingleOutputStreamOperator;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.streaming.api.windowing.assigners.GlobalWindows;
import org.apache.kafka.common.TopicPartition;
import org.nd4j.linalg.api.buffer.DataType;

/**
 * Builds the training graph from injected sources and sinks:
 *
 * <pre>
 *   rows -> row-parser -(dead letters)-> rows.dlq
 *             | blocks, keyBy(shard)
 *   gradient-worker  <-- broadcast -- params        (one gradient per model per block)
 *             | gradient blocks, keyBy(model), window
 *   parameter-updater --> params (the feedback loop)
 *             +--------> holdout-evaluator <-- broadcast -- holdout-parser <- rows.holdout
 *                              +--> snapshot-sink (SQL tables)
 * </pre>
 *
 * Without a held-out source the snapshots go straight to the sink.
 */
public final class StreamtrainJob {
    /** Fixed, so that shard keys can be chosen to land on distinct gradient workers. */
    public static final int MAX_PARALLELISM = 128;

    /**
     * How long the job's producers keep retrying a record while the broker is unreachable (Kafka's
     * default, stated): a restarted broker within this time loses nothing and restarts nothing.
     */
    static final String DELIVERY_TIMEOUT_MS = "120000";
    /** Longest wait between two reconnection attempts of the job's Kafka clients to a broker that is gone. */
    static final String RECONNECT_BACKOFF_MAX_MS = "1000";
    /** Bytes of a dead-letter request kept for its headers and record overhead. */
    private static final int DEAD_LETTER_HEADER_ROOM = 16 << 10;

    private final StreamtrainConfig config;
    private final Source<RawRow, ?, ?> rows;
    private final Source<RawRow, ?, ?> holdout;
    private final Source<ModelVersion, ?, ?> params;
    private final Sink<ModelVersion> paramsSink;
    private final Sink<DeadLetter> deadLetterSink;
    private final Sink<ModelSnapshot> snapshotSink;
    private final List<ModelSpec> models;
    /** This submission of the job (see {@link ComputeGradients}): new for every job graph built. */
    private final long runId = java.util.concurrent.ThreadLocalRandom.current().nextLong();

    /**
     * A job whose models cold-start from their configured initial parameters (version 0, generation 0).
     *
     * @param holdout the held-out rows, bounded; null for none (snapshots then carry no held-out scores)
     */
    public StreamtrainJob(StreamtrainConfig config, Source<RawRow, ?, ?> rows, Source<RawRow, ?, ?> holdout,
            Source<ModelVersion, ?, ?> params, Sink<ModelVersion> paramsSink, Sink<DeadLetter> deadLetterSink,
            Sink<ModelSnapshot> snapshotSink) {
        this(config, config.models(), rows, holdout, params, paramsSink, deadLetterSink, snapshotSink);
    }

    /**
     * @param models the configured models, in order, each with where its timeline starts (see
     *     {@link ResolveStartPoint})
     * @param holdout the held-out rows, bounded; null for none (snapshots then carry no held-out scores)
     */
    public StreamtrainJob(StreamtrainConfig config, List<ModelSpec> models, Source<RawRow, ?, ?> rows,
            Source<RawRow, ?, ?> holdout, Source<ModelVersion, ?, ?> params, Sink<ModelVersion> paramsSink,
            Sink<DeadLetter> deadLetterSink, Sink<ModelSnapshot> snapshotSink) {
        if (!ModelSpec.ids(models).equals(ModelSpec.ids(config.models()))) {
            throw new IllegalArgumentException("models " + ModelSpec.ids(models) + " are not the configured "
                    + ModelSpec.ids(config.models()));
        }
        this.models = List.copyOf(models);
        this.config = config;
        this.rows = rows;
        this.holdout = holdout;
        this.params = params;
        this.paramsSink = paramsSink;
        this.deadLetterSink = deadLetterSink;
        this.snapshotSink = snapshotSink;
    }

    /**
     * The production wiring: Kafka topics and the JDBC snapshot sink from the configuration.
     *
     * @param rowsStoppingOffsets per partition of the rows topic, where a bounded run stops; null
     *     for an unbounded run
     * @param startMillis versions on the parameters topic older than this belong to another run
     * @throws IllegalStateException naming kafka.holdout-topic when that topic does not exist
     * @throws java.sql.SQLException when the sink database cannot be read for the start points
     */
    public static StreamtrainJob fromConfig(StreamtrainConfig config, String bootstrapServers,
            Map<TopicPartition, Long> rowsStoppingOffsets, long startMillis) throws Exception {
        return fromConfig(config, bootstrapServers, rowsStoppingOffsets, startMillis, new RawRowDeserializer());
    }

    /**
     * The production wiring with another deserializer of the rows topic's records (a benchmark
     * wraps {@link RawRowDeserializer} to time the first row read).
     */
    public static StreamtrainJob fromConfig(StreamtrainConfig config, String bootstrapServers,
            Map<TopicPartition, Long> rowsStoppingOffsets, long startMillis,
            KafkaRecordDeserializationSchema<RawRow> rowsDeserializer) throws Exception {
        String group = config.get(KafkaOptions.GROUP_ID);
        int maxBytes = config.get(KafkaOptions.MAX_MESSAGE_BYTES);
        int rowsFetchBytes = config.get(KafkaOptions.ROWS_FETCH_BYTES);
        // kafka.properties.*: security and any other client setting, applied last, over the tuning below
        Map<String, String> clientProperties = config.kafkaProperties();
        var rowsBuilder = KafkaSource.<RawRow>builder()
                .setBootstrapServers(bootstrapServers)
                .setTopics(config.get(KafkaOptions.ROWS_TOPIC))
                .setGroupId(group + "-rows")
                .setClientIdPrefix(group + "-rows")
                .setStartingOffsets(OffsetsInitializer.earliest())
                .setDeserializer(rowsDeserializer)
                // shortens the consumer's close at the end of a bounded run (~450 ms -> ~50 ms)
                .setProperty("fetch.max.wait.ms", "50")
                .setProperty("reconnect.backoff.max.ms", RECONNECT_BACKOFF_MAX_MS)
                // rows are small and many: bigger polls cut the consumer's per-poll work (the input
                // path is what bounds the seed workload end to end)
                .setProperty("max.poll.records", "10000")
                // what a reader holds ahead of its parser: its element queue's two batches, the
                // batch the fetcher thread is filling and the consumer's next fetch. Fetches of
                // kafka.max-message-bytes (64 MiB) held a whole 141 MB Fashion-MNIST topic in
                // memory even in the local mode, where Flink's backpressure would otherwise leave
                // the rows in Kafka, and young collections of 0.4-0.5 s copied it. Fashion bench,
                // peak RSS at p2, 64 MiB -> 8 MiB: local 1.36 -> 1.19 GB, sync 1.53 -> 1.35 GB (2
                // MiB: 1.10 and 1.30 GB, but in the sync mode the backlog's read then overlaps the
                // first versions: round trip p99 at p2 35-59 ms against 27-37 ms at 64 MiB); the
                // seed's input ceiling is the same at 1, 2 and 4 MiB (README "Memory of a
                // TaskManager")
                .setProperty("max.partition.fetch.bytes", Integer.toString(rowsFetchBytes))
                .setProperty("fetch.max.bytes", Integer.toString(2 * rowsFetchBytes));
        clientProperties.forEach(rowsBuilder::setProperty);
        if (rowsStoppingOffsets != null) {
            rowsBuilder.setBounded(OffsetsInitializer.offsets(rowsStoppingOffsets));
        }
        var paramsBuilder = KafkaSource.<ModelVersion>builder()
                .setBootstrapServers(bootstrapServers)
                .setTopics(config.get(KafkaOptions.PARAMS_TOPIC))
                .setGroupId(group + "-params")
                .setClientIdPrefix(group + "-params")
                .setStartingOffsets(OffsetsInitializer.timestamp(startMillis))
                .setDeserializer(new ModelVersionDeserializer())
                .setProperty("fetch.max.wait.ms", "20")
                .setProperty("reconnect.backoff.max.ms", RECONNECT_BACKOFF_MAX_MS)
                .setProperty("max.partition.fetch.bytes", Integer.toString(maxBytes))
                .setProperty("fetch.max.bytes", Integer.toString(maxBytes));
        clientProperties.forEach(paramsBuilder::setProperty);
        KafkaSource<ModelVersion> paramsSource = paramsBuilder.build();
        var paramsSinkBuilder = KafkaSink.<ModelVersion>builder()
                .setBootstrapServers(bootstrapServers)
                .setRecordSerializer(new ModelVersionSerializer(config.get(KafkaOptions.PARAMS_TOPIC), maxBytes))
                .setDeliveryGuarantee(DeliveryGuarantee.AT_LEAST_ONCE)
                // a broker outage shorter than this delays versions (and checkpoints) instead of
                // failing the job; clients reconnect within RECONNECT_BACKOFF_MAX_MS once it is back
                .setProperty("delivery.timeout.ms", DELIVERY_TIMEOUT_MS)
                .setProperty("reconnect.backoff.max.ms", RECONNECT_BACKOFF_MAX_MS)
                .setProperty("linger.ms", "0")
                .setProperty("max.request.size", Integer.toString(maxBytes))
                .setProperty("buffer.memory", Long.toString(Math.max(32L << 20, 2L * maxBytes)));
        clientProperties.forEach(paramsSinkBuilder::setProperty);
        KafkaSink<ModelVersion> paramsSink = paramsSinkBuilder.build();
        // a rejected row may be larger than the producer's default 1 MiB request (data.max-row-bytes
        // rejects it, it still goes to the dead letters): allow what the parameters may be, and cut
        // anything larger rather than fail on it at every restart
        int deadLetterBytes = Math.max(maxBytes, 1 << 20);
        var deadLettersBuilder = KafkaSink.<DeadLetter>builder()
                .setBootstrapServers(bootstrapServers)
                .setRecordSerializer(new DeadLetterSerializer(config.get(KafkaOptions.DLQ_TOPIC),
                        deadLetterBytes - DEAD_LETTER_HEADER_ROOM))
                .setDeliveryGuarantee(DeliveryGuarantee.AT_LEAST_ONCE)
                .setProperty("delivery.timeout.ms", DELIVERY_TIMEOUT_MS)
                .setProperty("reconnect.backoff.max.ms", RECONNECT_BACKOFF_MAX_MS)
                .setProperty("linger.ms", "5")
                .setProperty("max.request.size", Integer.toString(deadLetterBytes))
                .setProperty("buffer.memory", Long.toString(Math.max(32L << 20, 2L * deadLetterBytes)));
        clientProperties.forEach(deadLettersBuilder::setProperty);
        KafkaSink<DeadLetter> deadLetters = deadLettersBuilder.build();
        SnapshotSink snapshots = new SnapshotSink(config.get(SinkOptions.URL), config.get(SinkOptions.TABLE_PREFIX),
                new Retention(config.get(SinkOptions.RETAIN_VERSIONS), config.get(SinkOptions.RETAIN_EVERY)),
                config.get(SinkOptions.RETRY_BACKOFF), config.get(SinkOptions.MAX_RETRY_TIME));
        Source<ModelVersion, ?, ?> params = rowsStoppingOffsets == null
                ? paramsSource
                : new StopOnFinalSource<>(paramsSource, ModelSpec.ids(config.models()));
        String holdoutTopic = config.get(KafkaOptions.HOLDOUT_TOPIC);
        if (!holdoutTopic.isEmpty()) {
            TopicCheck.requireTopic(bootstrapServers, clientProperties, holdoutTopic, KafkaOptions.HOLDOUT_TOPIC.key(),
                    "create it and write the held-out rows to it before the job starts, or set "
                            + KafkaOptions.HOLDOUT_TOPIC.key() + " to empty to train without held-out evaluation");
        }
        KafkaSource<RawRow> holdout = null;
        if (!holdoutTopic.isEmpty()) {
            var holdoutBuilder = KafkaSource.<RawRow>builder()
                    .setBootstrapServers(bootstrapServers)
                    .setTopics(holdoutTopic)
                    .setGroupId(group + "-holdout")
                    .setClientIdPrefix(group + "-holdout")
                    .setStartingOffsets(OffsetsInitializer.earliest())
                    // the held-out set is what the topic holds when the job starts
                    .setBounded(OffsetsInitializer.latest())
                    .setDeserializer(new RawRowDeserializer())
                    .setProperty("fetch.max.wait.ms", "50");
            clientProperties.forEach(holdoutBuilder::setProperty);
            holdout = holdoutBuilder.build();
        }
        Source<RawRow, ?, ?> rows = rowsBuilder.build();
        long readAhead = config.readAheadBytes();
        if (readAhead > 0) {
            // the enumerator's admin client reads the parameters topic's end offsets
            Map<String, String> paramsClient = new HashMap<>();
            TopicCheck.adminProperties(bootstrapServers, clientProperties)
                    .forEach((k, v) -> paramsClient.put((String) k, (String) v));
            rows = readAhead(rows, RowFormats.fromConfig(config, config.architecture()), paramsClient,
                    config.get(KafkaOptions.PARAMS_TOPIC), readAhead, config.minReadAheadRows(),
                    (long) config.blocksPerVersion() * config.get(TrainingOptions.BATCH_SIZE), config.models().size());
        }
        return new StreamtrainJob(config, ResolveStartPoint.resolve(config), rows, holdout, params,
                paramsSink, deadLetters, snapshots);
    }

    /** The rows source, paused while more than {@code maxBytesAhead} of rows wait for training (see {@link ReadAheadSource}). */
    private static <SplitT extends SourceSplit, EnumChkT> Source<RawRow, SplitT, EnumChkT> readAhead(
            Source<RawRow, SplitT, EnumChkT> rows, RowFormat format, Map<String, String> kafka, String paramsTopic,
            long maxBytesAhead, long minRowsAhead, long rowsPerVersion, int models) {
        return new ReadAheadSource<>(rows, new RawRowMeasure(format), kafka, paramsTopic, maxBytesAhead, minRowsAhead,
                rowsPerVersion, models);
    }

    /** A rows message's rows (several in a multi-row dense message) and bytes. */
    private record RawRowMeasure(RowFormat format) implements ReadAheadSource.Measure<RawRow> {
        @Override
        public int rows(RawRow record) {
            return format.rowsIn(record.value());
        }

        @Override
        public int bytes(RawRow record) {
            return record.value().length;
        }
    }

    /** The models, in the order of the configuration, each with where its timeline starts. */
    public List<ModelSpec> models() {
        return models;
    }

    /**
     * This job with its snapshot sink replaced by {@code wrap} applied to it (a benchmark wraps
     * the sink to time the writes).
     */
    public StreamtrainJob withSnapshotSink(UnaryOperator<Sink<ModelSnapshot>> wrap) {
        return new StreamtrainJob(config, models, rows, holdout, params, paramsSink, deadLetterSink,
                wrap.apply(snapshotSink));
    }

    /**
     * Adds the input half of the graph to {@code env} and returns its blocks, before the shuffle
     * to the gradient workers: the rows source and the row parser, whose dead letters go to the
     * dead-letter sink. A benchmark of the input path ends it in a discarding sink.
     */
    public SingleOutputStreamOperator<RowBlock> buildInput(StreamExecutionEnvironment env) {
        configure(env);
        SingleOutputStreamOperator<RowBlock> blocks = parseRows(env, rowFormat());
        blocks.getSideOutput(BlockRows.DEAD_LETTERS).sinkTo(deadLetterSink).name("dead-letter-sink")
                .uid("dead-letter-sink").setParallelism(config.parallelism());
        return blocks;
    }

    /** Adds the training graph to {@code env}. */
    public void build(StreamExecutionEnvironment env) {
        int parallelism = config.parallelism();
        int shards = config.shards();
        int batchSize = config.get(TrainingOptions.BATCH_SIZE);
        // one window per model: more updater subtasks than models would idle
        int updaters = Math.min(models.size(), parallelism);

        configure(env);
        RowFormat format = rowFormat();
        SingleOutputStreamOperator<RowBlock> blocks = parseRows(env, format);
        DataStream<DeadLetter> deadLetters = blocks.getSideOutput(BlockRows.DEAD_LETTERS);

        BroadcastStream<ModelVersion> versionsIn = env
                .fromSource(params, WatermarkStrategy.noWatermarks(), "params-source", TypeInformation.of(ModelVersion.class))
                .uid("params-source")
                .setParallelism(1)
                .broadcast(ComputeGradients.PARAMETERS);

        SingleOutputStreamOperator<GradientBlock> gradients = blocks
                .keyBy(new ShardKey(), Types.INT)
                .connect(versionsIn)
                .process(new ComputeGradients(models, config.get(TrainingOptions.DTYPE).equals("float64"), batchSize,
                        config.maxInFlight(), parallelism, config.computeBackend(), runId, config.localSteps(),
                        config.localOverlap()),
                        TypeInformation.of(GradientBlock.class))
                .name("gradient-worker")
                .uid("gradient-worker")
                .setParallelism(parallelism);

        SingleOutputStreamOperator<ModelVersion> versions = gradients
                .keyBy(new ModelKey(), Types.STRING)
                .window(GlobalWindows.create())
                .trigger(config.consistency() == TrainingOptions.Consistency.SYNC
                        ? new SyncUpdateTrigger(shards)
                        : new UpdateTrigger(config.windowBlocks(), config.windowTimeout().toMillis()))
                .process(new ApplyOptimizer(models, config.maxStaleness(),
                        new SnapshotPolicy(config.get(SinkOptions.EVERY_VERSIONS), config.get(SinkOptions.EVERY).toMillis()),
                        config.get(KafkaOptions.ROWS_TOPIC), shards,
                        new DivergenceGuard(config.get(TrainingOptions.DIVERGENCE_FACTOR),
                                config.get(TrainingOptions.DIVERGENCE_WARMUP)),
                        config.localSteps() > 0, floatModels(models, config)),
                        TypeInformation.of(ModelVersion.class))
                .name("parameter-updater")
                .uid("parameter-updater")
                .setParallelism(updaters);

        versions.sinkTo(paramsSink).name("params-sink").uid("params-sink").setParallelism(updaters);
        DataStream<ModelSnapshot> snapshots = versions.getSideOutput(ApplyOptimizer.SNAPSHOTS);
        if (holdout != null) {
            // the held-out set is small and read once: one reader and parser; no batch timeout,
            // the source is bounded and its end flushes the last block
            SingleOutputStreamOperator<RowBlock> holdoutBlocks = env
                    .fromSource(holdout, WatermarkStrategy.noWatermarks(), "holdout-source",
                            TypeInformation.of(RawRow.class))
                    .uid("holdout-source")
                    .setParallelism(1)
                    .transform("holdout-parser", TypeInformation.of(RowBlock.class),
                            new BlockRows(format, batchSize, 0, new int[] {0}))
                    .uid("holdout-parser")
                    .setParallelism(1);
            deadLetters = deadLetters.union(holdoutBlocks.getSideOutput(BlockRows.DEAD_LETTERS));
            snapshots = snapshots
                    .keyBy(new SnapshotKey(), Types.STRING)
                    .connect(holdoutBlocks.broadcast(EvaluateHoldout.HOLDOUT_ROWS, EvaluateHoldout.HOLDOUT_ENDS))
                    .process(new EvaluateHoldout(models, batchSize, 1), TypeInformation.of(ModelSnapshot.class))
                    .name("holdout-evaluator")
                    .uid("holdout-evaluator")
                    .setParallelism(updaters);
        }
        deadLetters.sinkTo(deadLetterSink).name("dead-letter-sink").uid("dead-letter-sink").setParallelism(parallelism);
        snapshots.sinkTo(snapshotSink).name("snapshot-sink").uid("snapshot-sink").setParallelism(1);
    }

    /** The job's settings of the environment. */
    private void configure(StreamExecutionEnvironment env) {
        env.setMaxParallelism(MAX_PARALLELISM);
        env.getConfig().enableObjectReuse();
        // the feedback loop's latency is the staleness budget: flush every record at once
        env.setBufferTimeout(0);
        Duration checkpoints = config.get(JobOptions.CHECKPOINT_INTERVAL);
        if (!checkpoints.isZero()) {
            env.enableCheckpointing(checkpoints.toMillis());
        }
    }

    /** Every model reads the same rows (the configuration checks they agree on the shape). */
    private RowFormat rowFormat() {
        return RowFormats.fromConfig(config, config.architecture());
    }

    /** The rows source and the row parser cutting blocks (dead letters on its side output). */
    private SingleOutputStreamOperator<RowBlock> parseRows(StreamExecutionEnvironment env, RowFormat format) {
        int parallelism = config.parallelism();
        return env
                .fromSource(rows, WatermarkStrategy.noWatermarks(), "rows-source", TypeInformation.of(RawRow.class))
                .uid("rows-source")
                .setParallelism(parallelism)
                .transform("row-parser", TypeInformation.of(RowBlock.class), new BlockRows(format,
                        config.get(TrainingOptions.BATCH_SIZE), config.get(TrainingOptions.BATCH_TIMEOUT).toMillis(),
                        shardKeys(config.shards(), parallelism)))
                .uid("row-parser")
                .setParallelism(parallelism);
    }

    /**
     * The models whose gradient workers compute in float32: ND4J networks (the plain-Java kernel of
     * tiny networks runs in double) with training.dtype float32. Their versions can travel as floats.
     */
    static Set<String> floatModels(List<ModelSpec> models, StreamtrainConfig config) {
        DataType dtype = config.get(TrainingOptions.DTYPE).equals("float64") ? DataType.DOUBLE : DataType.FLOAT;
        Set<String> ids = new HashSet<>();
        for (ModelSpec m : models) {
            if (Kernel.AUTO.computesInFloat(m.architecture(), dtype)) {
                ids.add(m.id());
            }
        }
        return ids;
    }

    /**
     * Picks one integer key per shard such that shard s lands on gradient worker s mod
     * parallelism: hashing arbitrary keys would leave some workers idle and others doubled.
     */
    static int[] shardKeys(int shards, int parallelism) {
        if (shards < parallelism) {
            throw new IllegalStateException("shards (" + shards + ") < parallelism (" + parallelism
                    + "): some gradient workers would idle forever");
        }
        int[] keys = new int[shards];
        int[] seen = new int[parallelism];
        int candidate = 0;
        for (int s = 0; s < shards; s++) {
            int worker = s % parallelism;
            int skip = seen[worker]++;
            for (int k = 0; ; k++) {
                if (KeyGroupRangeAssignment.assignKeyToParallelOperator(k, MAX_PARALLELISM, parallelism) == worker) {
                    if (skip-- == 0) {
                        keys[s] = k;
                        break;
                    }
                }
            }
        }
        return keys;
    }

    /** Routes a block by its shard key. */
    public static final class ShardKey implements KeySelector<RowBlock, Integer> {
        private static final long serialVersionUID = 1L;

        @Override
        public Integer getKey(RowBlock block) {
            return block.shardKey();
        }
    }

    /** Routes a snapshot by its model. */
    public static final class SnapshotKey implements KeySelector<ModelSnapshot, String> {
        private static final long serialVersionUID = 1L;

        @Override
        public String getKey(ModelSnapshot snapshot) {
            return snapshot.model();
        }
    }

    /** Routes a gradient block by its model. */
    public static final class ModelKey implements KeySelector<GradientBlock, String> {
        private static final long serialVersionUID = 1L;

        @Override
        public String getKey(GradientBlock block) {
            return block.model();
        }
    }
}
