package io.streamtrain.connectors.jdbc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Paths;
import java.util.List;
import org.junit.jupiter.api.Test;

class SnapshotDialectTest {

    @Test
    void picksTheDialectFromTheUrl() {
        assertThat(SnapshotDialect.fromUrl("jdbc:sqlite:/data/x.db")).isEqualTo(SnapshotDialect.SQLITE);
        assertThat(SnapshotDialect.fromUrl("jdbc:postgresql://h:5432/db")).isEqualTo(SnapshotDialect.POSTGRESQL);
        assertThat(SnapshotDialect.fromUrl("jdbc:mariadb://h/db")).isEqualTo(SnapshotDialect.MARIADB);
        assertThat(SnapshotDialect.fromUrl("JDBC:MySQL://h/db")).isEqualTo(SnapshotDialect.MARIADB);
        assertThat(SnapshotDialect.MARIADB.driverUrl("jdbc:mysql://h/db?user=u")).isEqualTo("jdbc:mariadb://h/db?user=u");
        assertThatThrownBy(() -> SnapshotDialect.fromUrl("jdbc:h2:mem:x")).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("'jdbc:h2:'");
        assertThatThrownBy(() -> SnapshotDialect.fromUrl("postgres://u:pw@h/db"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("'postgres:'")
                .hasMessageNotContaining("pw");
        assertThatThrownBy(() -> SnapshotDialect.fromUrl(null)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void upsertSyntaxPerDialect() {
        List<String> cols = List.of("model", "version", "x");
        List<String> key = List.of("model", "version");
        assertThat(SnapshotDialect.SQLITE.upsert("t", cols, key)).isEqualTo(
                "INSERT INTO t (model, version, x) VALUES (?, ?, ?) ON CONFLICT (model, version) DO UPDATE SET x = excluded.x");
        assertThat(SnapshotDialect.POSTGRESQL.upsert("t", cols, key)).contains("ON CONFLICT (model, version)");
        assertThat(SnapshotDialect.MARIADB.upsert("t", cols, key)).isEqualTo(
                "INSERT INTO t (model, version, x) VALUES (?, ?, ?) ON DUPLICATE KEY UPDATE x = VALUES(x)");
        assertThat(SnapshotDialect.POSTGRESQL.doubleType()).isEqualTo("DOUBLE PRECISION");
        assertThat(SnapshotDialect.SQLITE.doubleType()).isEqualTo("REAL");
        assertThat(SnapshotDialect.MARIADB.doubleType()).isEqualTo("DOUBLE");
        assertThat(SnapshotDialect.MARIADB.keyTextType()).startsWith("VARCHAR(200)");
        assertThat(SnapshotTables.of("p_").ddl(SnapshotDialect.SQLITE))
                .anySatisfy(s -> assertThat(s).startsWith("CREATE VIEW IF NOT EXISTS p_latest_snapshot"))
                .allSatisfy(s -> assertThat(s).containsAnyOf("IF NOT EXISTS"));
        assertThat(SnapshotTables.of("p_").ddl(SnapshotDialect.MARIADB))
                .anySatisfy(s -> assertThat(s).startsWith("CREATE OR REPLACE VIEW p_model_leaderboard"));
    }

    @Test
    void redactsPasswords() {
        assertThat(JdbcUrls.redact("jdbc:postgresql://h/db?user=u&password=p%40ss&ssl=true"))
                .isEqualTo("jdbc:postgresql://h/db?user=u&password=***&ssl=true");
        assertThat(JdbcUrls.redact("jdbc:mariadb://h/db?user=u;Password=abc")).isEqualTo("jdbc:mariadb://h/db?user=u;Password=***");
        assertThat(JdbcUrls.redact("jdbc:mysql://u:secret@h:3306/db")).isEqualTo("jdbc:mysql://u:***@h:3306/db");
        assertThat(JdbcUrls.redact("jdbc:postgresql://h/db?sslpassword=k&pwd=z"))
                .isEqualTo("jdbc:postgresql://h/db?sslpassword=***&pwd=***");
        assertThat(JdbcUrls.redact("jdbc:sqlite:/data/snap.db")).isEqualTo("jdbc:sqlite:/data/snap.db");
        assertThat(SnapshotWriter.redact("jdbc:mariadb://h/db?password=x")).isEqualTo("jdbc:mariadb://h/db?password=***");
        assertThat(JdbcUrls.redact(null)).isNull();
    }

    @Test
    void findsTheSqliteFile() {
        assertThat(JdbcUrls.sqliteFile("jdbc:sqlite:/data/a/snap.db")).contains(Paths.get("/data/a/snap.db"));
        assertThat(JdbcUrls.sqliteFile("jdbc:sqlite:rel/snap.db?journal_mode=WAL")).contains(Paths.get("rel/snap.db"));
        assertThat(JdbcUrls.sqliteFile("jdbc:sqlite:file:/data/b.db?cache=shared")).contains(Paths.get("/data/b.db"));
        assertThat(JdbcUrls.sqliteFile("jdbc:sqlite:file:///data/c.db")).contains(Paths.get("/data/c.db"));
        assertThat(JdbcUrls.sqliteFile("jdbc:sqlite::memory:")).isEmpty();
        assertThat(JdbcUrls.sqliteFile("jdbc:sqlite:")).isEmpty();
        assertThat(JdbcUrls.sqliteFile("jdbc:sqlite:file:x?mode=memory&cache=shared")).isEmpty();
    }

    @Test
    void envCredentialsOnlyWhenTheUrlHasNone() {
        assertThat(JdbcUrls.hasParameter("jdbc:postgresql://h/db?user=u&x=1", "user")).isTrue();
        assertThat(JdbcUrls.hasParameter("jdbc:postgresql://h/db?username=u", "user")).isFalse();
        assertThat(JdbcUrls.hasParameter("jdbc:postgresql://h/db", "password")).isFalse();
        assertThat(JdbcUrls.hasParameter("jdbc:mariadb://h/db?a=1;PASSWORD=x", "password")).isTrue();
    }
}
