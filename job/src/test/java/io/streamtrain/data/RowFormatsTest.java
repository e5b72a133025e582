package io.streamtrain.data;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.streamtrain.config.ConfigException;
import io.streamtrain.config.StreamtrainConfig;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The data.* settings, turned into row formats, and the errors that name the key. */
class RowFormatsTest {

    private static StreamtrainConfig config(String settings) {
        Map<String, String> values = new HashMap<>();
        if (!settings.isEmpty()) {
            for (String kv : settings.split(" ")) {
                var e = StreamtrainConfig.parseAssignment(kv);
                values.put(e.getKey(), e.getValue());
            }
        }
        return StreamtrainConfig.of(values);
    }

    private static String parse(String settings, String row) {
        StreamtrainConfig c = config(settings);
        RowFormat format = RowFormats.fromConfig(c, c.architecture());
        float[] x = new float[format.features()];
        float[] y = new float[format.labelWidth()];
        String reason = format.parse(row.getBytes(StandardCharsets.UTF_8), x, 0, y, 0);
        return reason != null ? reason : java.util.Arrays.toString(x) + " " + java.util.Arrays.toString(y);
    }

    @Test
    void theFormatsAUserConfigures() {
        assertThat(parse("", "1,2,1")).isEqualTo("[1.0, 2.0] [1.0]");
        assertThat(parse("data.columns=y;b;a data.label=y", "1,2,3")).isEqualTo("[2.0, 3.0] [1.0]");
        assertThat(parse("data.columns=y;b;a;id data.label=y data.features=a;b", "1,2,3,x")).isEqualTo("[3.0, 2.0] [1.0]");
        assertThat(parse("data.classes=no;yes data.feature-scale=0.5", "1,2,yes")).isEqualTo("[0.5, 1.0] [1.0]");
        assertThat(parse("data.format=json", "{\"features\": [1, 2], \"label\": 0}")).isEqualTo("[1.0, 2.0] [0.0]");
        assertThat(parse("data.format=json data.features=a;b data.label=y data.classes=no;yes",
                "{\"b\": 1, \"a\": 2, \"y\": \"no\"}")).isEqualTo("[2.0, 1.0] [0.0]");
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "data.format=xml|data.format: must be csv, json or dense, got 'xml'",
        "data.features=a;b|data.features names CSV columns, so data.columns must name every column",
        "data.columns=a;b;a|data.columns: [a, b, a] names a column twice",
        "data.columns=a;b;c|data.label: 'label' is not one of data.columns [a, b, c]",
        "data.columns=a;b;c;label|data.features: 3 features [a, b, c], but the model's first layer (model.layers) has 2 inputs",
        "data.columns=a;b;label data.features=a;z|data.features: 'z' is not one of data.columns",
        "data.columns=a;b;label data.features=a;label|data.features: 'label' is also the label",
        "data.classes=a;b;c|data.classes names 3 classes, the model (2-2-2 relu/softmax/cross-entropy) has 2",
        "data.classes=a;a|names a class twice",
        "data.feature-scale=0|data.feature-scale: 0.0 must be a finite number > 0",
        "data.format=json data.features=a|data.features: 1 features [a], but the model's first layer",
        "data.format=json data.features-array=|data.format=json needs the feature fields",
        "data.format=json data.columns=a;b;c|data.columns names CSV columns",
        "data.format=json data.features-array=label|data.features-array: 'label' is also the label",
        "data.columns=a;b;c data.label=b;c|data.label names 2 label columns, the model needs 1 (a class)",
        "data.generator=mnist|data.generator: must be seed, fashion-mnist or file, got 'mnist'",
        "data.generator=file|data.generator=file needs data.file",
        "data.header=maybe|data.header: must be auto, true or false",
        "data.holdout-fraction=1|data.holdout-fraction: 1.0 must be in [0, 1)",
        "data.classes-filter=0;10|data.classes-filter: [0, 10] must be two or more distinct",
        "data.epochs=0|data.epochs: 0 is out of range",
        "data.rate=-1|data.rate: -1.0 must be >= 0",
    })
    void badSettingsNameTheKey(String settings, String message) {
        assertThatThrownBy(() -> {
            StreamtrainConfig c = config(settings);
            RowFormats.fromConfig(c, c.architecture());
        }).isInstanceOf(ConfigException.class).hasMessageContaining(message);
    }

    @Test
    void aCsvFilesHeaderMayNameTheColumnsLater() {
        // data.features without data.columns is fine while a file's header may still name them
        StreamtrainConfig c = config("data.generator=file data.file=x.csv data.features=a;b");
        assertThatThrownBy(() -> RowFormats.fromConfig(c, c.architecture()))
                .hasMessageContaining("or the file needs a header line");
    }
}
