package io.streamtrain.connectors.jdbc;

import static io.streamtrain.connectors.jdbc.SnapshotDatabases.snapshot;
import static io.streamtrain.connectors.jdbc.SnapshotDatabases.versions;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.streamtrain.connectors.jdbc.SnapshotDatabases.Db;
import io.streamtrain.connectors.record.ModelSnapshot;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.SQLException;
import java.time.Duration;
import org.apache.flink.api.connector.sink2.SinkWriter;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class SnapshotSinkITCase extends SnapshotDatabaseTestBase {

    private static final SinkWriter.Context NO_CONTEXT = new SinkWriter.Context() {
        @Override
        public long currentWatermark() {
            return Long.MIN_VALUE;
        }

        @Override
        public Long timestamp() {
            return null;
        }
    };

    @ParameterizedTest
    @ValueSource(strings = {"sqlite", "postgresql", "mariadb"})
    void writerLandsEverySnapshot(String kind) throws Exception {
        Db db = db(kind);
        SnapshotSink sink = roundTripSerialized(new SnapshotSink(db.url(), db.prefix(), 3));
        ModelSnapshot a1 = snapshot("a", 1);
        ModelSnapshot a2 = snapshot("a", 2);
        ModelSnapshot b1 = snapshot("b", 1, true, 0.99, 0.9, SnapshotDatabases.parameters222(42));
        try (SinkWriter<ModelSnapshot> w = sink.createWriter(null)) {
            w.write(a1, NO_CONTEXT);
            w.write(a2, NO_CONTEXT);
            w.write(b1, NO_CONTEXT);
            // Visible at once, before any flush: each snapshot is its own transaction.
            assertThat(SnapshotReader.latest(db.url(), db.prefix(), "b")).contains(b1);
            w.write(a1, NO_CONTEXT); // replay after a restore: idempotent
            w.flush(false);
            w.flush(true);
        }
        assertThat(SnapshotReader.all(db.url(), db.prefix(), "a")).containsExactly(a1, a2);
        assertThat(SnapshotReader.models(db.url(), db.prefix())).containsExactly("a", "b");
    }

    @Test
    void aWriterThatNeverWroteClosesQuietly() throws Exception {
        SnapshotSink sink = new SnapshotSink("jdbc:sqlite:" + tempDir.resolve("never/x.db"), "st_", 0);
        sink.createWriter(null).close();
        assertThat(tempDir.resolve("never")).doesNotExist(); // opened lazily
    }

    @Test
    void retriesWithBackoffThenFailsWithoutLeakingThePassword() throws Exception {
        // Nothing listens on port 1: every attempt fails at connect time.
        String url = "jdbc:postgresql://127.0.0.1:1/test?user=postgres&password=s3cr3t&connectTimeout=2";
        SnapshotSink sink = new SnapshotSink(url, "st_", 0, 3, 50);
        long start = System.nanoTime();
        try (SinkWriter<ModelSnapshot> w = sink.createWriter(null)) {
            assertThatThrownBy(() -> w.write(snapshot("m", 1), NO_CONTEXT))
                    .isInstanceOf(IOException.class)
                    .hasMessageContaining("after 3 attempt(s)")
                    .hasMessageContaining("password=***")
                    .hasMessageNotContaining("s3cr3t")
                    .hasCauseInstanceOf(SQLException.class);
        }
        long millis = (System.nanoTime() - start) / 1_000_000;
        assertThat(millis).isGreaterThanOrEqualTo(50 + 100); // two backoffs: 50 ms, then 100 ms
        assertThat(sink.toString()).doesNotContain("s3cr3t");
    }

    @Test
    void retriesForTheRetryTimeThenFailsNamingTheSetting() throws Exception {
        String url = "jdbc:postgresql://127.0.0.1:1/test?user=postgres&connectTimeout=2";
        SnapshotSink sink = new SnapshotSink(url, "st_", Retention.KEEP_ALL, Duration.ofMillis(50),
                Duration.ofMillis(700));
        long start = System.nanoTime();
        try (SinkWriter<ModelSnapshot> w = sink.createWriter(null)) {
            assertThatThrownBy(() -> w.write(snapshot("m", 1), NO_CONTEXT))
                    .isInstanceOf(IOException.class)
                    .hasMessageContaining("sink.max-retry-time")
                    .hasCauseInstanceOf(SQLException.class);
        }
        // backoffs 50, 100, 200, then the rest of the 700 ms: one last attempt at the retry time
        assertThat((System.nanoTime() - start) / 1_000_000).isGreaterThanOrEqualTo(700);
        assertThat(sink.toString()).contains("retry for 700 ms");
    }

    @Test
    void reconnectsAndSucceedsOnceTheProblemGoesAway() throws Exception {
        // The database's directory cannot be created while a plain file sits where it should be.
        Path blocker = tempDir.resolve("mnt");
        Files.writeString(blocker, "not a directory");
        String url = "jdbc:sqlite:" + blocker.resolve("snap.db");
        SnapshotSink sink = new SnapshotSink(url, "st_", 0, 5, 400);
        Thread fixer = new Thread(() -> {
            try {
                Thread.sleep(100);
                Files.delete(blocker);
            } catch (Exception e) {
                throw new RuntimeException(e);
            }
        });
        fixer.start();
        try (SinkWriter<ModelSnapshot> w = sink.createWriter(null)) {
            w.write(snapshot("m", 1), NO_CONTEXT);
        } finally {
            fixer.join();
        }
        assertThat(versions(SnapshotReader.all(url, "st_", "m"))).containsExactly(1L);
    }

    @Test
    void aSnapshotThatCanNeverBeStoredIsNotRetried() throws Exception {
        SnapshotSink sink = new SnapshotSink("jdbc:sqlite:" + tempDir.resolve("x.db"), "st_", 0, 5, 10_000);
        ModelSnapshot bad = snapshot("m", 1, false, 0.5, 0.5, new double[3]);
        long start = System.nanoTime();
        try (SinkWriter<ModelSnapshot> w = sink.createWriter(null)) {
            assertThatThrownBy(() -> w.write(bad, NO_CONTEXT)).isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("3 parameters");
        }
        assertThat((System.nanoTime() - start) / 1_000_000).isLessThan(5_000);
    }

    @Test
    void constructorValidatesEagerly() {
        assertThatThrownBy(() -> new SnapshotSink("jdbc:sqlite:/tmp/x.db", "bad-prefix", 0))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("sink.table-prefix");
        assertThatThrownBy(() -> new SnapshotSink("jdbc:oracle:thin:scott/tiger@host:1521:db", "", 0))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("jdbc:oracle:")
                .hasMessageNotContaining("tiger");
        assertThatThrownBy(() -> new SnapshotSink("jdbc:sqlite:/tmp/x.db", "", 0, 0, 10))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("maxAttempts");
        assertThatThrownBy(() -> new SnapshotSink("jdbc:sqlite:/tmp/x.db", "", -1))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("sink.retain-versions");
    }

    private static SnapshotSink roundTripSerialized(SnapshotSink sink) throws Exception {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (ObjectOutputStream out = new ObjectOutputStream(bytes)) {
            out.writeObject(sink);
        }
        try (ObjectInputStream in = new ObjectInputStream(new ByteArrayInputStream(bytes.toByteArray()))) {
            return (SnapshotSink) in.readObject();
        }
    }
}
