package io.streamtrain.connectors.kafka;

import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.BindException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import kafka.server.KafkaConfig;
import kafka.server.KafkaRaftServer;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.DescribeClusterOptions;
import org.apache.kafka.clients.admin.DescribeTopicsOptions;
import org.apache.kafka.clients.admin.ListOffsetsOptions;
import org.apache.kafka.clients.admin.ListOffsetsResult.ListOffsetsResultInfo;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.TopicPartitionInfo;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.utils.Exit;
import org.apache.kafka.common.utils.Time;
import org.apache.kafka.common.utils.Utils;
import org.apache.kafka.metadata.storage.Formatter;
import org.apache.kafka.server.common.MetadataVersion;

/** A real single-node Kafka broker (KRaft, combined broker+controller) running in this JVM, for local runs and tests. */
public final class EmbeddedKafka implements AutoCloseable {
    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(EmbeddedKafka.class);

    private static final int NODE_ID = 1;
    private static final String LOOPBACK = "127.0.0.1";
    // ServerSocket(0) hands out a free port but releases it before Kafka binds, so another process
    // can take it in between; a bind failure is therefore retried with fresh ports this many times.
    private static final int MAX_START_ATTEMPTS = 5;
    private static final Duration READY_TIMEOUT = Duration.ofSeconds(30);
    // Bounds close() even if a broker thread wedges; normal combined-mode shutdown takes a few seconds.
    private static final Duration SHUTDOWN_TIMEOUT = Duration.ofSeconds(60);
    private static final Duration POLL_INTERVAL = Duration.ofMillis(100);
    // Kafka's Exit procedures are JVM-wide; this serialises the startups that swap them out.
    private static final Object EXIT_GUARD = new Object();
    // Model versions are published as single records and can be large.
    private static final int MAX_MESSAGE_BYTES = 64 * 1024 * 1024;

    private final KafkaConfig config;
    private final Path logDir;
    private final String bootstrapServers;
    private final Admin admin;
    private final AtomicBoolean closed = new AtomicBoolean();
    /** The running server; null while {@link #stop stopped}. */
    private KafkaRaftServer server;

    private EmbeddedKafka(KafkaConfig config, KafkaRaftServer server, Path logDir, String bootstrapServers, Admin admin) {
        this.config = config;
        this.server = server;
        this.logDir = logDir;
        this.bootstrapServers = bootstrapServers;
        this.admin = admin;
    }

    /** Starts a broker+controller on free loopback ports, logs under a fresh temp dir inside {@code parentDir} (deleted on close). */
    public static EmbeddedKafka start(Path parentDir) throws Exception {
        return start(parentDir, Map.of());
    }

    /**
     * Like {@link #start(Path)}; {@code extraBrokerProps} are applied last, so they override the
     * defaults chosen here (overriding listeners or node ids will break the wiring, so don't).
     */
    public static EmbeddedKafka start(Path parentDir, Map<String, String> extraBrokerProps) throws Exception {
        Files.createDirectories(parentDir);
        long startNanos = System.nanoTime();
        Exception lastBindFailure = null;
        for (int attempt = 1; attempt <= MAX_START_ATTEMPTS; attempt++) {
            int[] ports = freePorts(2);
            int brokerPort = ports[0];
            int controllerPort = ports[1];
            // A fresh directory per attempt: a failed attempt may have left a half-written
            // metadata log behind, and reformatting a used directory is refused.
            Path logDir = Files.createTempDirectory(parentDir, "embedded-kafka-");
            KafkaRaftServer server = null;
            Admin admin = null;
            try {
                KafkaConfig config = new KafkaConfig(
                        brokerProps(logDir, brokerPort, controllerPort, extraBrokerProps), false);
                format(config, logDir);
                server = new KafkaRaftServer(config, Time.SYSTEM);
                startupWithoutExit(server);
                String bootstrap = LOOPBACK + ":" + brokerPort;
                admin = Admin.create(adminProps(bootstrap));
                awaitBrokerReady(admin, Deadline.after(READY_TIMEOUT));
                LOG.info("EmbeddedKafka started on {} (log dir {}) in {} ms", bootstrap, logDir,
                        TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - startNanos));
                return new EmbeddedKafka(config, server, logDir, bootstrap, admin);
            } catch (Exception e) {
                if (admin != null) {
                    admin.close(Duration.ofSeconds(5));
                }
                if (server != null) {
                    shutdownBounded(server);
                }
                deleteQuietly(logDir);
                String bindFailure = bindFailure(e);
                if (bindFailure == null) {
                    throw e;
                }
                LOG.warn("EmbeddedKafka attempt " + attempt + "/" + MAX_START_ATTEMPTS + ": "
                        + bindFailure + (attempt < MAX_START_ATTEMPTS ? "; retrying with new ports" : "; giving up"));
                lastBindFailure = e;
            }
        }
        throw new IllegalStateException(
                "EmbeddedKafka could not bind free ports after " + MAX_START_ATTEMPTS + " attempts", lastBindFailure);
    }

    public String bootstrapServers() {
        return bootstrapServers;
    }

    /**
     * Creates topics (name -> partitions, replication 1) and waits, with a deadline (30 s), until every
     * partition has a leader and listOffsets succeeds for every partition. Topics that already exist are
     * left alone.
     */
    public void createTopics(Map<String, Integer> partitionsByTopic) throws Exception {
        ensureOpen();
        KafkaTopics.create(admin, partitionsByTopic, (short) 1, READY_TIMEOUT);
    }

    /** Sum over partitions of (end offset) for a topic, via the Admin client. */
    public long endOffsetSum(String topic) throws Exception {
        ensureOpen();
        Deadline deadline = Deadline.after(READY_TIMEOUT);
        TopicDescription description = admin.describeTopics(Set.of(topic),
                        new DescribeTopicsOptions().timeoutMs(deadline.remainingMs()))
                .allTopicNames().get(deadline.remainingMs(), TimeUnit.MILLISECONDS).get(topic);
        Map<TopicPartition, OffsetSpec> request = new HashMap<>();
        for (TopicPartitionInfo p : description.partitions()) {
            request.put(new TopicPartition(topic, p.partition()), OffsetSpec.latest());
        }
        long sum = 0;
        for (ListOffsetsResultInfo info : admin.listOffsets(request,
                        new ListOffsetsOptions().timeoutMs(deadline.remainingMs()))
                .all().get(deadline.remainingMs(), TimeUnit.MILLISECONDS).values()) {
            sum += info.offset();
        }
        return sum;
    }

    /**
     * Shuts the broker down (a clean shutdown, bounded) and keeps its log dir and ports, so that
     * {@link #restart} brings back the same broker with its topics and records: a broker outage
     * for fault tests. Clients see the broker gone and retry until it is back.
     */
    public synchronized void stop() {
        ensureOpen();
        if (server == null) {
            return;
        }
        long t0 = System.nanoTime();
        shutdownBounded(server);
        server = null;
        LOG.info("EmbeddedKafka on {} stopped in {} ms (log dir kept)", bootstrapServers,
                TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0));
    }

    /**
     * Starts the {@link #stop stopped} broker again on the same ports and log dir and waits until it
     * answers. A port taken in the meantime by another process is retried for a while.
     */
    public synchronized void restart() throws Exception {
        ensureOpen();
        if (server != null) {
            return;
        }
        long t0 = System.nanoTime();
        Deadline deadline = Deadline.after(READY_TIMEOUT);
        while (true) {
            KafkaRaftServer restarted = new KafkaRaftServer(config, Time.SYSTEM);
            try {
                startupWithoutExit(restarted);
                awaitBrokerReady(admin, deadline);
                server = restarted;
                break;
            } catch (Exception e) {
                shutdownBounded(restarted);
                if (bindFailure(e) == null || deadline.expired()) {
                    throw e;
                }
                LOG.warn("EmbeddedKafka restart on {}: {}; retrying", bootstrapServers, bindFailure(e));
                Thread.sleep(500);
            }
        }
        LOG.info("EmbeddedKafka restarted on {} in {} ms", bootstrapServers,
                TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0));
    }

    /** Shuts down the broker, waits for it (bounded), deletes the log dir. Idempotent. */
    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        try {
            admin.close(Duration.ofSeconds(5));
        } catch (RuntimeException e) {
            LOG.warn("Closing the EmbeddedKafka admin client failed", e);
        }
        synchronized (this) {
            if (server != null) {
                shutdownBounded(server);
                server = null;
            }
        }
        deleteQuietly(logDir);
    }

    private void ensureOpen() {
        if (closed.get()) {
            throw new IllegalStateException("EmbeddedKafka is closed");
        }
    }

    private static Properties brokerProps(Path logDir, int brokerPort, int controllerPort,
                                          Map<String, String> extra) {
        Properties p = new Properties();
        p.put("process.roles", "broker,controller");
        p.put("node.id", Integer.toString(NODE_ID));
        p.put("listeners", "PLAINTEXT://" + LOOPBACK + ":" + brokerPort + ",CONTROLLER://" + LOOPBACK + ":" + controllerPort);
        p.put("advertised.listeners", "PLAINTEXT://" + LOOPBACK + ":" + brokerPort);
        p.put("listener.security.protocol.map", "PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT");
        p.put("controller.listener.names", "CONTROLLER");
        p.put("inter.broker.listener.name", "PLAINTEXT");
        p.put("controller.quorum.voters", NODE_ID + "@" + LOOPBACK + ":" + controllerPort);
        p.put("log.dirs", logDir.toAbsolutePath().toString());
        // Single node: every internal topic must be satisfiable with one replica.
        p.put("offsets.topic.replication.factor", "1");
        p.put("offsets.topic.num.partitions", "1"); // default 50 makes the first consumer group slow
        p.put("transaction.state.log.replication.factor", "1");
        p.put("transaction.state.log.min.isr", "1");
        p.put("transaction.state.log.num.partitions", "1");
        p.put("share.coordinator.state.topic.replication.factor", "1");
        p.put("share.coordinator.state.topic.min.isr", "1");
        p.put("share.coordinator.state.topic.num.partitions", "1");
        p.put("group.initial.rebalance.delay.ms", "0");
        // Default 128 MiB dedupe buffer would be allocated up front; a test broker compacts almost nothing.
        // KafkaConfig requires strictly more than 1 MiB per cleaner thread (one by default), so 1 MiB is rejected.
        p.put("log.cleaner.dedupe.buffer.size", Integer.toString(2 * 1024 * 1024));
        p.put("num.partitions", "1");
        // Topics are created explicitly so a typo fails instead of silently creating a new topic.
        p.put("auto.create.topics.enable", "false");
        p.put("message.max.bytes", Integer.toString(MAX_MESSAGE_BYTES));
        p.put("replica.fetch.max.bytes", Integer.toString(MAX_MESSAGE_BYTES));
        // Without this, BrokerServer.startup() waits forever (Long.MAX_VALUE) for metadata catch-up.
        p.put("server.max.startup.time.ms", Long.toString(READY_TIMEOUT.toMillis()));
        p.putAll(extra);
        return p;
    }

    private static void format(KafkaConfig config, Path logDir) throws Exception {
        new Formatter()
                .setClusterId(Uuid.randomUuid().toString())
                .setNodeId(NODE_ID)
                .setControllerListenerName("CONTROLLER")
                .setMetadataLogDirectory(config.metadataLogDir())
                .setDirectories(Set.of(logDir.toAbsolutePath().toString()))
                .setReleaseVersion(MetadataVersion.LATEST_PRODUCTION)
                .setPrintStream(new PrintStream(OutputStream.nullOutputStream()))
                .run();
    }

    /**
     * KafkaRaftServer.startup() hands a controller startup failure (e.g. its port was taken in the
     * meantime) to a ProcessTerminatingFaultHandler, which calls Exit.halt and kills the whole JVM:
     * the test run or local job with it, and the bind retry in {@link #start} would never get a chance
     * (observed: surefire reports "The forked VM terminated without properly saying goodbye").
     * So during startup, exit/halt requests only get recorded; the fault handler then returns, the
     * controller shuts itself down and the original exception (BindException cause) propagates here.
     * Afterwards Kafka's default (terminating) procedures are reinstated, i.e. normal Kafka behaviour
     * for faults after startup. Exit has no getter, so a procedure someone else had installed is not
     * restored; nothing in this project installs one.
     */
    private static void startupWithoutExit(KafkaRaftServer server) {
        AtomicReference<String> exitRequest = new AtomicReference<>();
        Exit.Procedure record = (statusCode, message) -> exitRequest.compareAndSet(
                null, "status " + statusCode + (message == null ? "" : ", " + message));
        synchronized (EXIT_GUARD) {
            Exit.setExitProcedure(record);
            Exit.setHaltProcedure(record);
            try {
                server.startup();
            } finally {
                Exit.resetExitProcedure();
                Exit.resetHaltProcedure();
            }
        }
        // A fatal fault on some other broker thread during startup would also have ended up here
        // instead of killing the JVM; the broker cannot be trusted after that.
        if (exitRequest.get() != null) {
            throw new IllegalStateException("Kafka hit a fatal fault during startup and asked to exit the JVM ("
                    + exitRequest.get() + "); the cause is in the log above");
        }
    }

    private static Properties adminProps(String bootstrap) {
        Properties p = new Properties();
        p.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        p.put(AdminClientConfig.CLIENT_ID_CONFIG, "embedded-kafka-admin");
        p.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, "10000");
        p.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, "30000");
        return p;
    }

    private static void awaitBrokerReady(Admin admin, Deadline deadline) throws Exception {
        Exception lastProblem = null;
        while (!deadline.expired()) {
            try {
                int nodes = admin.describeCluster(new DescribeClusterOptions()
                                .timeoutMs((int) Math.min(deadline.remainingMs(), 5000)))
                        .nodes().get(deadline.remainingMs(), TimeUnit.MILLISECONDS).size();
                if (nodes > 0) {
                    return;
                }
            } catch (ExecutionException | TimeoutException e) {
                lastProblem = e;
            }
            Thread.sleep(POLL_INTERVAL.toMillis());
        }
        throw new TimeoutException("Embedded broker not ready within " + READY_TIMEOUT
                + (lastProblem == null ? "" : ": " + lastProblem));
    }

    /**
     * Both ports are held open at the same time so they differ; they are released before Kafka binds
     * them, which is the race the retry loop in {@link #start} covers.
     */
    private static int[] freePorts(int count) throws IOException {
        ServerSocket[] sockets = new ServerSocket[count];
        try {
            int[] ports = new int[count];
            for (int i = 0; i < count; i++) {
                sockets[i] = new ServerSocket(0, 1, InetAddress.getByName(LOOPBACK));
                ports[i] = sockets[i].getLocalPort();
            }
            return ports;
        } finally {
            for (ServerSocket s : sockets) {
                if (s != null) {
                    s.close();
                }
            }
        }
    }

    /** The most telling message if {@code t} was caused by a port bind failure, else null. */
    private static String bindFailure(Throwable t) {
        String found = null;
        for (Throwable c = t; c != null && c != c.getCause(); c = c.getCause()) {
            String msg = c.getMessage();
            // Kafka wraps the BindException as "Socket server failed to bind to HOST:PORT: ...", which names the port.
            if (msg != null && msg.contains("failed to bind")) {
                return msg;
            }
            if (c instanceof BindException || (msg != null && msg.contains("Address already in use"))) {
                found = String.valueOf(msg);
            }
        }
        return found;
    }

    /**
     * shutdown() + awaitShutdown() on a helper thread so that a wedged broker thread cannot hang the
     * caller (a test's @AfterEach or a local run's exit) forever.
     */
    private static void shutdownBounded(KafkaRaftServer server) {
        Thread t = new Thread(() -> {
            try {
                server.shutdown();
                server.awaitShutdown();
            } catch (Throwable e) {
                LOG.warn("EmbeddedKafka shutdown failed", e);
            }
        }, "embedded-kafka-shutdown");
        t.setDaemon(true);
        t.start();
        try {
            t.join(SHUTDOWN_TIMEOUT.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (t.isAlive()) {
            LOG.warn("EmbeddedKafka did not shut down within " + SHUTDOWN_TIMEOUT + "; continuing");
        }
    }

    private static void deleteQuietly(Path dir) {
        try {
            Utils.delete(dir.toFile());
        } catch (IOException | RuntimeException e) {
            LOG.warn("Could not delete EmbeddedKafka log dir " + dir, e);
        }
    }

    /** A fixed point in time; every blocking call below gets only what is left of it. */
    private record Deadline(long atNanos) {
        static Deadline after(Duration d) {
            return new Deadline(System.nanoTime() + d.toNanos());
        }

        boolean expired() {
            return System.nanoTime() - atNanos >= 0;
        }

        int remainingMs() {
            long ms = TimeUnit.NANOSECONDS.toMillis(atNanos - System.nanoTime());
            return (int) Math.max(1, Math.min(Integer.MAX_VALUE, ms));
        }
    }
}
