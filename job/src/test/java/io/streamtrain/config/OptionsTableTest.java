package io.streamtrain.config;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.stream.Collectors;
import org.apache.flink.configuration.ConfigOption;
import org.junit.jupiter.api.Test;

/**
 * The README's configuration table is generated from the options classes; this test fails when
 * they drift apart and prints the table to paste.
 */
class OptionsTableTest {

    static String table() {
        StringBuilder sb = new StringBuilder("| key | default | description |\n|---|---|---|\n");
        for (ConfigOption<?> o : StreamtrainConfig.options()) {
            sb.append("| `").append(o.key()).append("` | `").append(format(o.defaultValue())).append("` | ")
                    .append(describe(o).replace("|", "\\|")).append(" |\n");
        }
        return sb.toString();
    }

    private static String describe(ConfigOption<?> o) {
        return o.description().getBlocks().stream()
                .map(b -> b instanceof org.apache.flink.configuration.description.TextElement t ? t.getFormat() : b.toString())
                .collect(Collectors.joining(" "));
    }

    private static String format(Object value) {
        if (value instanceof List<?> list) {
            return list.stream().map(String::valueOf).collect(Collectors.joining(", ", "[", "]"));
        }
        if (value instanceof Duration d) {
            return d.toMillis() % 1000 == 0 ? d.toSeconds() + "s" : d.toMillis() + "ms";
        }
        return String.valueOf(value);
    }

    @Test
    void readmeTableMatchesTheOptions() throws Exception {
        String readme = Files.readString(Path.of("..", "README.md"));
        String expected = table();
        assertThat(readme).as("README.md configuration table; regenerate it with:\n%s", expected).contains(expected);
    }
}
