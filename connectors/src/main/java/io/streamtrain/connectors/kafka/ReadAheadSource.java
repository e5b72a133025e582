package io.streamtrain.connectors.kafka;

import java.io.Serializable;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import org.apache.flink.api.connector.source.Boundedness;
import org.apache.flink.api.connector.source.ReaderOutput;
import org.apache.flink.api.connector.source.Source;
import org.apache.flink.api.connector.source.SourceEvent;
import org.apache.flink.api.connector.source.SourceReader;
import org.apache.flink.api.connector.source.SourceReaderContext;
import org.apache.flink.api.connector.source.SourceSplit;
import org.apache.flink.api.connector.source.SplitEnumerator;
import org.apache.flink.api.connector.source.SplitEnumeratorContext;
import org.apache.flink.core.io.InputStatus;
import org.apache.flink.core.io.SimpleVersionedSerializer;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.ListOffsetsResult;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.TopicPartitionInfo;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Wraps the rows source so that it reads at most a bounded number of rows ahead of training.
 *
 * <p>Without it the source reads as fast as Kafka delivers: the gradient workers take every block
 * off the network while they wait for versions, so a topic that holds a backlog moves into their
 * heap (and their checkpoints) at the source's speed. A worker cannot refuse its rows input while
 * it waits for the parameters input (Flink refuses checkpointing for operators that choose their
 * input), so the bound is kept where the rows come in. Each reader reports the rows it has emitted
 * to the enumerator, stops by itself at its allowance and asks for a larger one; the enumerator
 * reads how many versions the parameters topic has received since it started (its end offsets: a
 * metadata request, no version is fetched) and answers a waiting reader as soon as the rows
 * emitted exceed the rows those versions can have trained by less than the bound, with
 * what the reader has emitted plus that difference. The bound is set in bytes ({@code maxBytesAhead},
 * what the rows waiting cost the workers' heap), turned into rows at the mean size of the rows
 * emitted so far, and never below {@code minRowsAhead}, enough rows for the next versions. The rows a version trains are counted at most
 * ({@code rowsPerVersion}, per model), so the estimate of what is waiting never exceeds what is.
 * Only a waiting reader gets an answer: it cannot have finished, and an event to a finished
 * reader (at the end of a bounded run or a drained stop) is lost, which Flink answers with a
 * failover. Every reader may take all of what the bound leaves, so a reader whose partitions are
 * empty holds back no other: the rows waiting are at most the readers times the bound. The
 * readers start with no allowance, until the enumerator has read the topic's end offsets once
 * (where the versions are counted from); where it cannot read them, they read on unbounded, with
 * a warning.
 *
 * <p>Rows that never reach training (rejected rows, which go to the dead letters) would keep the
 * estimate above the truth for good. So when the readers have been paused and no new version came
 * for five times the usual time between versions (at least {@link #MIN_STALL}, and
 * {@link #FIRST_VERSION_STALL} before the first version), the enumerator counts what it believed
 * waiting as trained and resumes them: the bound holds the memory, never progress. Nothing of this
 * is checkpointed; the readers' and the enumerator's counts start afresh with every attempt, and
 * the wrapped source's splits and state are its own, unchanged.
 */
public final class ReadAheadSource<T, SplitT extends SourceSplit, EnumChkT> implements Source<T, SplitT, EnumChkT> {
    private static final long serialVersionUID = 1L;
    private static final Logger LOG = LoggerFactory.getLogger(ReadAheadSource.class);

    /** How often the enumerator reads the parameters topic's end offsets. */
    static final long POLL_MILLIS = 10;
    /** The shortest time paused without a new version after which the readers resume anyway. */
    static final Duration MIN_STALL = Duration.ofSeconds(1);
    /** The same before the first version (start-up: a worker's first block loads its backend). */
    static final Duration FIRST_VERSION_STALL = Duration.ofSeconds(10);
    private static final int STALL_FACTOR = 5;

    /** The size of one record of the wrapped source. */
    public interface Measure<T> extends Serializable {
        /** Rows in the record (several for multi-row messages). */
        int rows(T record);

        /** Its bytes: what the bound is set in. */
        int bytes(T record);
    }

    private final Source<T, SplitT, EnumChkT> delegate;
    private final Measure<T> measure;
    private final Map<String, String> kafka;
    private final String paramsTopic;
    private final long maxBytesAhead;
    private final long minRowsAhead;
    private final long rowsPerVersion;
    private final int models;

    /**
     * @param kafka the parameters topic's client settings: bootstrap.servers and any security settings
     * @param maxBytesAhead bytes of rows the readers may have emitted beyond what the versions since can have
     *     trained (turned into rows at the rows' mean size so far)
     * @param minRowsAhead rows they may always have emitted beyond that, whatever the bytes say: enough
     *     for the next versions to be trained
     * @param rowsPerVersion the most rows one version of one model trains
     * @param models the models whose versions the parameters topic receives (each publishes its own)
     */
    public ReadAheadSource(Source<T, SplitT, EnumChkT> delegate, Measure<T> measure, Map<String, String> kafka,
            String paramsTopic, long maxBytesAhead, long minRowsAhead, long rowsPerVersion, int models) {
        if (maxBytesAhead <= 0 || minRowsAhead <= 0 || rowsPerVersion <= 0 || models <= 0) {
            throw new IllegalArgumentException("maxBytesAhead, minRowsAhead, rowsPerVersion and models must be positive");
        }
        this.delegate = delegate;
        this.measure = measure;
        this.kafka = new HashMap<>(kafka);
        this.paramsTopic = paramsTopic;
        this.maxBytesAhead = maxBytesAhead;
        this.minRowsAhead = minRowsAhead;
        this.rowsPerVersion = rowsPerVersion;
        this.models = models;
    }

    @Override
    public Boundedness getBoundedness() {
        return delegate.getBoundedness();
    }

    @Override
    public SourceReader<T, SplitT> createReader(SourceReaderContext context) throws Exception {
        // reports often enough that the enumerator's sum lags the truth by at most a quarter of the bound
        long reportEvery = Math.max(1, maxBytesAhead / (4L * Math.max(1, context.currentParallelism())));
        return new Reader<>(delegate.createReader(context), measure, context, reportEvery);
    }

    @Override
    public SplitEnumerator<SplitT, EnumChkT> createEnumerator(SplitEnumeratorContext<SplitT> context) throws Exception {
        return new Enumerator<>(delegate.createEnumerator(context), context, this);
    }

    @Override
    public SplitEnumerator<SplitT, EnumChkT> restoreEnumerator(SplitEnumeratorContext<SplitT> context, EnumChkT checkpoint)
            throws Exception {
        return new Enumerator<>(delegate.restoreEnumerator(context, checkpoint), context, this);
    }

    @Override
    public SimpleVersionedSerializer<SplitT> getSplitSerializer() {
        return delegate.getSplitSerializer();
    }

    @Override
    public SimpleVersionedSerializer<EnumChkT> getEnumeratorCheckpointSerializer() {
        return delegate.getEnumeratorCheckpointSerializer();
    }

    /**
     * Reader to enumerator: the rows this reader has emitted since it started, and whether it has
     * reached its allowance and waits for a larger one.
     */
    public record RowsEmitted(long rows, long bytes, boolean waiting) implements SourceEvent {}

    /**
     * Enumerator to a reader, only in answer to a reader that waits: it may emit rows until it has
     * emitted {@code allowedRows} since it started. A reader stops by itself at its allowance, so
     * what the readers read ahead does not depend on how quickly their reports and the
     * enumerator's answers travel; and it is sent only to a reader that waits, which cannot have
     * finished (an event to a finished reader is lost, and Flink fails the job over for it).
     */
    public record Allowance(long allowedRows) implements SourceEvent {}

    /**
     * The enumerator's arithmetic, apart from Flink and Kafka: rows emitted against rows the versions
     * since can have trained.
     */
    static final class Bound {
        private final long maxBytesAhead;
        private final long minRowsAhead;
        private final long rowsPerVersion;
        private final int models;
        private final Map<Integer, Long> emitted = new HashMap<>();
        private final Map<Integer, Long> emittedBytes = new HashMap<>();
        private long messagesAtStart = -1;
        private long emittedAtStart;
        private long messages;
        /** Rows counted as trained beyond the versions' estimate, after a stall. */
        private long forgiven;
        /** Closed until the parameters topic has been read once: the start the versions are counted from. */
        private boolean open;
        private long firstVersionNanos = -1;
        private long lastProgressNanos;
        private long versionsSeen;
        private long closedSinceNanos;
        /** The versions cannot be counted: no bound. */
        private boolean unbounded;

        Bound(long maxBytesAhead, long minRowsAhead, long rowsPerVersion, int models) {
            this.maxBytesAhead = maxBytesAhead;
            this.minRowsAhead = minRowsAhead;
            this.rowsPerVersion = rowsPerVersion;
            this.models = models;
        }

        void emitted(int reader, long rows, long bytes) {
            emitted.merge(reader, rows, Math::max);
            emittedBytes.merge(reader, bytes, Math::max);
        }

        /** The bound in rows: the bytes at the rows' mean size so far, at least {@code minRowsAhead}. */
        long maxRowsAhead() {
            long rows = emittedRows();
            long bytes = 0;
            for (long b : emittedBytes.values()) {
                bytes += b;
            }
            if (rows == 0 || bytes == 0) {
                return minRowsAhead;
            }
            return Math.max(minRowsAhead, (long) ((double) maxBytesAhead * rows / bytes));
        }

        /** A reader (re)started: its count starts again from 0. */
        void readerStarted(int reader) {
            emittedBytes.remove(reader);
            Long before = emitted.put(reader, 0L);
            if (before != null) {
                emittedAtStart = Math.max(0, emittedAtStart - before);
            }
        }

        long reported(int reader) {
            return emitted.getOrDefault(reader, 0L);
        }

        long emittedRows() {
            long sum = 0;
            for (long r : emitted.values()) {
                sum += r;
            }
            return sum;
        }

        /** The parameters topic holds {@code total} messages (the sum of its end offsets) at {@code now}. */
        void messages(long total, long now) {
            if (messagesAtStart < 0) {
                messagesAtStart = total;
                emittedAtStart = emittedRows();
                lastProgressNanos = now;
                open = true;
            } else if (total > messages) {
                if (firstVersionNanos < 0) {
                    firstVersionNanos = now;
                } else {
                    versionsSeen += total - messages;
                }
                lastProgressNanos = now;
            }
            messages = total;
        }

        /** Rows read that the versions since the start cannot have trained yet, at the most. */
        long waiting() {
            if (messagesAtStart < 0) {
                return 0;
            }
            long versions = (messages - messagesAtStart) / models;
            return emittedRows() - emittedAtStart - versions * rowsPerVersion - forgiven;
        }

        /** How long paused without a new version before the readers resume anyway. */
        long stallNanos() {
            if (firstVersionNanos < 0 || versionsSeen == 0) {
                return FIRST_VERSION_STALL.toNanos();
            }
            long interval = (lastProgressNanos - firstVersionNanos) / versionsSeen;
            return Math.max(MIN_STALL.toNanos(), STALL_FACTOR * interval);
        }

        /** Decides at {@code now}; true when the gate changed. */
        boolean update(long now) {
            if (messagesAtStart < 0) {
                return false;
            }
            long waiting = waiting();
            long maxRowsAhead = maxRowsAhead();
            boolean wasOpen = open;
            if (open) {
                if (waiting >= maxRowsAhead) {
                    open = false;
                    closedSinceNanos = now;
                }
            } else if (waiting < maxRowsAhead) {
                open = true;
            } else if (now - Math.max(closedSinceNanos, lastProgressNanos) > stallNanos()) {
                LOG.info("rows sources paused {} ms without a new version while {} rows were estimated waiting: "
                        + "counting them as trained and resuming (rows that never reach training, such as rejected "
                        + "ones, keep the estimate high)", (now - Math.max(closedSinceNanos, lastProgressNanos)) / 1_000_000,
                        waiting);
                forgiven += waiting;
                open = true;
            }
            return open != wasOpen;
        }

        boolean open() {
            return open;
        }

        /** Whether the parameters topic has been read once (the start the versions are counted from). */
        boolean started() {
            return messagesAtStart >= 0;
        }

        /**
         * How many rows {@code reader} may have emitted in all: what it has reported plus what the
         * bound leaves (every reader may take all of that: a reader whose partitions are empty must
         * not hold back the others).
         */
        long allowance(int reader) {
            if (unbounded) {
                return Long.MAX_VALUE;
            }
            long reported = emitted.getOrDefault(reader, 0L);
            return open ? reported + Math.max(0, maxRowsAhead() - waiting()) : reported;
        }

        /** No bound from now on (the versions cannot be counted); true when there was one. */
        boolean forceOpen() {
            boolean changed = !unbounded;
            unbounded = true;
            open = true;
            return changed;
        }
    }

    private static final class Enumerator<SplitT extends SourceSplit, EnumChkT> implements SplitEnumerator<SplitT, EnumChkT> {
        private final SplitEnumerator<SplitT, EnumChkT> delegate;
        private final SplitEnumeratorContext<SplitT> context;
        private final ReadAheadSource<?, SplitT, EnumChkT> source;
        private final Bound bound;
        /** Thread-safe, unlike a consumer: read in the coordinator's worker thread, closed in its own. */
        private Admin admin;
        private Map<TopicPartition, OffsetSpec> partitions;
        private boolean warned;
        /** Readers at their allowance, waiting for a larger one. */
        private final Set<Integer> waiting = new TreeSet<>();

        Enumerator(SplitEnumerator<SplitT, EnumChkT> delegate, SplitEnumeratorContext<SplitT> context,
                ReadAheadSource<?, SplitT, EnumChkT> source) {
            this.delegate = delegate;
            this.context = context;
            this.source = source;
            this.bound = new Bound(source.maxBytesAhead, source.minRowsAhead, source.rowsPerVersion, source.models);
        }

        @Override
        public void start() {
            delegate.start();
            Properties props = new Properties();
            props.putAll(source.kafka);
            props.putIfAbsent(AdminClientConfig.CLIENT_ID_CONFIG, "streamtrain-read-ahead");
            admin = Admin.create(props);
            context.callAsync(this::endOffsets, this::polled, 0, POLL_MILLIS);
        }

        /** The sum of the parameters topic's end offsets, -1 when it cannot be read (in a worker thread). */
        private long endOffsets() {
            try {
                if (partitions == null) {
                    TopicDescription topic = admin.describeTopics(List.of(source.paramsTopic))
                            .allTopicNames().get(5, TimeUnit.SECONDS).get(source.paramsTopic);
                    Map<TopicPartition, OffsetSpec> latest = new HashMap<>();
                    for (TopicPartitionInfo p : topic.partitions()) {
                        latest.put(new TopicPartition(source.paramsTopic, p.partition()), OffsetSpec.latest());
                    }
                    partitions = latest;
                }
                long sum = 0;
                for (ListOffsetsResult.ListOffsetsResultInfo info
                        : admin.listOffsets(partitions).all().get(5, TimeUnit.SECONDS).values()) {
                    sum += info.offset();
                }
                return sum;
            } catch (Exception e) {
                if (e instanceof InterruptedException) {
                    Thread.currentThread().interrupt();
                }
                if (!warned) {
                    warned = true;
                    LOG.warn("cannot read the end offsets of '{}'; the rows sources read on without a bound for "
                            + "the rest of this run: {}", source.paramsTopic, e.toString());
                }
                return -1;
            }
        }

        private void polled(Long messages, Throwable error) {
            if (error != null || messages == null || messages < 0) {
                if (bound.forceOpen()) {
                    grant();
                }
                return;
            }
            if (!bound.started()) {
                LOG.info("rows sources: at most {} bytes of rows (and at least {} rows) ahead of what the versions on "
                        + "'{}' train (at most {} rows a version of each of {} models; versions counted from offset {})",
                        source.maxBytesAhead, source.minRowsAhead, source.paramsTopic, source.rowsPerVersion,
                        source.models, messages);
            }
            bound.messages(messages, System.nanoTime());
            bound.update(System.nanoTime());
            grant();
        }

        /** Answers every waiting reader that the bound now lets read. */
        private void grant() {
            for (var it = waiting.iterator(); it.hasNext(); ) {
                int reader = it.next();
                long allowance = bound.allowance(reader);
                if (allowance > bound.reported(reader)) {
                    it.remove();
                    context.sendEventToSourceReader(reader, new Allowance(allowance));
                }
            }
        }

        @Override
        public void handleSourceEvent(int subtaskId, SourceEvent event) {
            if (event instanceof RowsEmitted e) {
                bound.emitted(subtaskId, e.rows(), e.bytes());
                if (e.waiting()) {
                    waiting.add(subtaskId);
                }
                bound.update(System.nanoTime());
                grant();
            } else {
                delegate.handleSourceEvent(subtaskId, event);
            }
        }

        @Override
        public void handleSplitRequest(int subtaskId, String requesterHostname) {
            delegate.handleSplitRequest(subtaskId, requesterHostname);
        }

        @Override
        public void addSplitsBack(List<SplitT> splits, int subtaskId) {
            delegate.addSplitsBack(splits, subtaskId);
        }

        @Override
        public void addReader(int subtaskId) {
            // a new attempt of the reader asks for its allowance when it first polls
            bound.readerStarted(subtaskId);
            waiting.remove(subtaskId);
            delegate.addReader(subtaskId);
        }

        @Override
        public EnumChkT snapshotState(long checkpointId) throws Exception {
            return delegate.snapshotState(checkpointId);
        }

        @Override
        public void notifyCheckpointComplete(long checkpointId) throws Exception {
            delegate.notifyCheckpointComplete(checkpointId);
        }

        @Override
        public void close() throws java.io.IOException {
            try {
                delegate.close();
            } finally {
                if (admin != null) {
                    admin.close(Duration.ofSeconds(1));
                }
            }
        }
    }

    private static final class Reader<T, SplitT extends SourceSplit> extends ForwardingSourceReader<T, SplitT> {
        private final Measure<T> measure;
        private final SourceReaderContext context;
        /** Bytes between two reports. */
        private final long reportEvery;
        private long emitted;
        private long emittedBytes;
        private long reportedBytes;
        /** Rows this reader may emit in all; none until the enumerator has read where the versions are counted from. */
        private long allowed;
        /** Whether this reader has asked for a larger allowance and not been answered yet. */
        private boolean asked;
        private CompletableFuture<Void> granted = new CompletableFuture<>();
        private ReaderOutput<T> lastOutput;
        private ReaderOutput<T> counting;

        Reader(SourceReader<T, SplitT> delegate, Measure<T> measure, SourceReaderContext context, long reportEvery) {
            super(delegate);
            this.measure = measure;
            this.context = context;
            this.reportEvery = reportEvery;
        }

        private void counted(T record) {
            emitted += measure.rows(record);
            emittedBytes += measure.bytes(record);
            if (emittedBytes - reportedBytes >= reportEvery) {
                reportedBytes = emittedBytes;
                context.sendSourceEventToCoordinator(new RowsEmitted(emitted, emittedBytes, false));
            }
        }

        private boolean mayEmit() {
            return emitted < allowed;
        }

        @Override
        public InputStatus pollNext(ReaderOutput<T> output) throws Exception {
            if (!mayEmit()) {
                if (!asked) {
                    // says exactly where this reader stopped, and asks for more
                    asked = true;
                    reportedBytes = emittedBytes;
                    context.sendSourceEventToCoordinator(new RowsEmitted(emitted, emittedBytes, true));
                }
                if (granted.isDone()) {
                    granted = new CompletableFuture<>();
                }
                return InputStatus.NOTHING_AVAILABLE;
            }
            if (output != lastOutput) {
                lastOutput = output;
                counting = new ObservingReaderOutput<>(output, this::counted);
            }
            return delegate.pollNext(counting);
        }

        @Override
        public CompletableFuture<Void> isAvailable() {
            return mayEmit() ? delegate.isAvailable() : granted;
        }

        @Override
        public void handleSourceEvents(SourceEvent event) {
            if (event instanceof Allowance a) {
                asked = false;
                if (a.allowedRows() > allowed) {
                    allowed = a.allowedRows();
                    if (mayEmit()) {
                        granted.complete(null);
                    }
                }
            } else {
                delegate.handleSourceEvents(event);
            }
        }
    }
}
