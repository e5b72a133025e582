package io.streamtrain.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import io.streamtrain.connectors.jdbc.SnapshotDatabases;
import io.streamtrain.connectors.kafka.EmbeddedKafka;
import io.streamtrain.connectors.kafka.SendRows;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.io.TempDir;

/**
 * What the tests of the job jar on a standalone cluster share: an embedded Kafka broker with the
 * job's topics, a PostgreSQL snapshot database of their own, the shaded jar, and the arguments
 * that point {@link ClusterJob} at them.
 */
abstract class ClusterJobTestBase {
    static final String ENTRY = "io.streamtrain.cluster.ClusterJob";
    static final int PARTITIONS = 2;

    @TempDir
    Path dir;

    EmbeddedKafka kafka;
    SnapshotDatabases.Db db;

    @BeforeEach
    void startBrokerAndDatabase() throws Exception {
        db = SnapshotDatabases.db("postgresql", dir);
        kafka = EmbeddedKafka.start(dir);
        kafka.createTopics(Map.of("rows", PARTITIONS, "rows.dlq", PARTITIONS, "params", 1, "rows.holdout", 1));
    }

    @AfterEach
    void stopBrokerAndDropDatabase() throws Exception {
        if (kafka != null) {
            kafka.close();
        }
        if (db != null) {
            db.drop();
        }
    }

    /**
     * {@code --config seed.yaml} with the broker, the snapshot database (every version
     * snapshotted: the tests follow the run in the table), parallelism 2 and then {@code settings}
     * as {@code --set} overrides.
     */
    List<String> args(Map<String, String> settings) {
        Map<String, String> set = new LinkedHashMap<>();
        set.put("kafka.bootstrap-servers", kafka.bootstrapServers());
        set.put("sink.url", db.url());
        set.put("sink.table-prefix", db.prefix());
        set.put("sink.every-versions", "1");
        set.put("job.parallelism", "2");
        set.putAll(settings);
        List<String> args = new ArrayList<>(List.of("--config", "seed.yaml"));
        set.forEach((k, v) -> args.addAll(List.of("--set", k + "=" + v)));
        return args;
    }

    void send(String topic, Iterator<byte[]> rows, int partitions) throws Exception {
        new SendRows(kafka.bootstrapServers(), topic, Map.of()).send(rows, partitions, 0, n -> {});
    }

    /** The shaded job jar that {@code mvn package} built before the integration tests. */
    static Path jobJar() {
        Path jar = Path.of(System.getProperty("streamtrain.job.jar",
                "target/streamtrain-job-0.1.0-SNAPSHOT.jar")).toAbsolutePath();
        assertThat(jar).as("the shaded job jar (mvn package builds it)").exists();
        assertThat(jar.toFile().length()).as("the job jar is the shaded one").isGreaterThan(50L << 20);
        return jar;
    }
}
