package io.streamtrain.connectors.jdbc;

import io.streamtrain.connectors.jdbc.SnapshotDatabases.Db;
import java.nio.file.Path;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.io.TempDir;

/** Tests on the three databases: each test gets its own tables (prefix), dropped afterwards. */
public abstract class SnapshotDatabaseTestBase {

    @TempDir
    protected Path tempDir;

    private final List<Db> toDrop = new ArrayList<>();

    @AfterEach
    void dropTables() throws SQLException {
        for (Db db : toDrop) {
            db.drop();
        }
    }

    /** The database {@code kind} (sqlite, postgresql, mariadb) with a fresh prefix; skips loudly if unreachable. */
    protected Db db(String kind) {
        Db db = SnapshotDatabases.db(kind, tempDir);
        toDrop.add(db);
        return db;
    }
}
