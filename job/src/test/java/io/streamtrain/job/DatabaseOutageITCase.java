package io.streamtrain.job;

import static org.assertj.core.api.Assertions.assertThat;

import io.streamtrain.cli.LocalRun;
import io.streamtrain.config.StreamtrainConfig;
import io.streamtrain.connectors.jdbc.SnapshotReader;
import io.streamtrain.connectors.jdbc.SnapshotTables;
import io.streamtrain.connectors.record.ModelSnapshot;
import io.streamtrain.testing.TcpProxy;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.flink.runtime.testutils.InMemoryReporter;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The snapshot database (PostgreSQL on 127.0.0.1:5432, reached through a {@link TcpProxy}) is
 * unreachable for 30 s mid-run: open connections are closed and new ones refused. The snapshot
 * sink retries with back-off, the job keeps training meanwhile (new versions keep coming on the
 * parameters topic), the snapshots held back are written once the database is back, none is lost,
 * the final one is written, and every row is trained exactly once, without a restart.
 */
class DatabaseOutageITCase extends LocalLoopTestBase {
    private static final Path SEED_YAML = Path.of("..", "config", "seed.yaml");
    private static final String JOB = "database-outage";
    private static final String POSTGRES = "jdbc:postgresql://127.0.0.1:%d/test?user=postgres&connectTimeout=5";
    private static final int ROWS = 40_000;
    private static final int EVERY = 20;
    private static final Duration OUTAGE = Duration.ofSeconds(30);

    private static final InMemoryReporter REPORTER = InMemoryReporter.createWithRetainedMetrics();

    @RegisterExtension
    static final MiniClusterExtension FLINK = miniCluster(REPORTER);

    private TcpProxy proxy;
    private final String prefix = "dbout" + Long.toHexString(ThreadLocalRandom.current().nextLong() & 0xffffffL) + "_";

    @BeforeEach
    void startProxy() throws Exception {
        String direct = String.format(POSTGRES, 5432);
        try (Connection c = DriverManager.getConnection(direct)) {
            c.isValid(5);
        } catch (SQLException e) {
            System.err.println("SKIPPED DatabaseOutageITCase: no PostgreSQL at " + direct + ": " + e.getMessage());
            Assumptions.abort("no PostgreSQL at " + direct + " (" + e.getMessage() + ")");
        }
        proxy = TcpProxy.start("127.0.0.1", 5432);
    }

    @AfterEach
    void dropTablesAndStopProxy() throws Exception {
        if (proxy != null) {
            proxy.close();
            try (Connection c = DriverManager.getConnection(String.format(POSTGRES, 5432))) {
                SnapshotTables.of(prefix).drop(c);
            }
        }
    }

    @Test
    void snapshotWritesRetryThroughAnOutageWhileTrainingGoesOn() throws Exception {
        String url = String.format(POSTGRES, proxy.port());
        StreamtrainConfig config = config(SEED_YAML, Map.of("job.name", JOB, "job.checkpoint-interval", "500ms",
                "data.rows", Integer.toString(ROWS), "data.rate", "1000", "sink.table-prefix", prefix,
                "sink.every-versions", Integer.toString(EVERY), "sink.retry-backoff", "200ms",
                "sink.max-retry-time", "90s")).with(Map.of("sink.url", url));
        kafka.createTopics(Map.of("rows", 2, "rows.dlq", 2, "params", 1, "rows.holdout", 1));
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
        env.setParallelism(2);

        AtomicBoolean started = new AtomicBoolean();
        AtomicLong versionAtCut = new AtomicLong(-1);
        AtomicLong newestVersion = new AtomicLong();
        AtomicLong versionAtRestore = new AtomicLong(-1);
        List<Long> storedAtRestore = new ArrayList<>();
        CompletableFuture<Void> outage = new CompletableFuture<>();
        LocalRun.Result result = new LocalRun(config, dir, List.of())
                .onVersion(v -> {
                    newestVersion.accumulateAndGet(v.version(), Math::max);
                    if (v.version() >= 2 * EVERY + 5 && started.compareAndSet(false, true)) {
                        Thread t = new Thread(() -> {
                            try {
                                proxy.cut();
                                versionAtCut.set(newestVersion.get());
                                Thread.sleep(OUTAGE.toMillis());
                                versionAtRestore.set(newestVersion.get());
                                storedAtRestore.addAll(storedVersions());
                                proxy.restore();
                                outage.complete(null);
                            } catch (Throwable e) {
                                outage.completeExceptionally(e);
                            }
                        }, "database-outage");
                        t.setDaemon(true);
                        t.start();
                    }
                })
                .run(env, Duration.ofMinutes(5));
        outage.get(1, TimeUnit.MINUTES);

        LocalRun.ModelResult seed = result.model("seed");
        assertThat(seed.rowsTrained()).isEqualTo(ROWS);
        ModelSnapshot last = seed.finalSnapshot();
        assertThat(last.last()).isTrue();
        assertThat(last.generation()).as("no restart").isZero();
        assertThat(last.rowsTrained()).isEqualTo(ROWS);

        // training went on during the outage: versions kept coming, and their snapshots were held
        // back, not lost
        assertThat(versionAtCut.get()).isGreaterThanOrEqualTo(2 * EVERY + 5);
        assertThat(versionAtRestore.get()).isGreaterThan(versionAtCut.get() + EVERY);
        // snapshots fell due during the outage that were not written during it
        long storedBeforeRestore = storedAtRestore.stream().mapToLong(Long::longValue).max().orElse(0);
        assertThat(storedBeforeRestore + EVERY).isLessThan(versionAtRestore.get());
        List<Long> expected = new ArrayList<>();
        for (long v = EVERY; v < last.version(); v += EVERY) {
            expected.add(v);
        }
        expected.add(last.version());
        assertThat(storedVersions()).containsExactlyElementsOf(expected);
        // the sink reconnected after the outage
        assertThat(proxy.accepted()).isGreaterThan(1);
    }

    /** The versions in this test's snapshot table, read directly (not through the proxy). */
    private List<Long> storedVersions() throws SQLException {
        return SnapshotReader.all(String.format(POSTGRES, 5432), prefix, "seed").stream()
                .map(ModelSnapshot::version).toList();
    }
}
