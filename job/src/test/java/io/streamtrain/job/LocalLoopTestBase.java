package io.streamtrain.job;

import io.streamtrain.config.StreamtrainConfig;
import io.streamtrain.connectors.kafka.EmbeddedKafka;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import org.apache.flink.runtime.testutils.MiniClusterResourceConfiguration;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * The whole loop's fixture: a Flink MiniCluster with two slots, a real embedded Kafka broker per
 * test and a SQLite file, all in a temporary folder.
 */
abstract class LocalLoopTestBase {
    @RegisterExtension
    static final MiniClusterExtension FLINK = new MiniClusterExtension(new MiniClusterResourceConfiguration.Builder()
            .setNumberTaskManagers(1).setNumberSlotsPerTaskManager(2).build());

    @TempDir
    Path dir;

    EmbeddedKafka kafka;

    @BeforeEach
    void startKafka() throws Exception {
        kafka = EmbeddedKafka.start(dir);
    }

    @AfterEach
    void stopKafka() {
        kafka.close();
    }

    /** The snapshot database of this test. */
    String snapshotUrl() {
        return "jdbc:sqlite:" + dir.resolve("snapshots.db");
    }

    /** {@code yaml} with {@code overrides}, pointed at this test's broker and database, without a web UI. */
    StreamtrainConfig config(Path yaml, Map<String, String> overrides) throws Exception {
        Map<String, String> all = new HashMap<>(overrides);
        all.put("kafka.bootstrap-servers", kafka.bootstrapServers());
        all.put("sink.url", snapshotUrl());
        all.put("job.web-ui", "false");
        return StreamtrainConfig.load(yaml, all);
    }
}
