package io.streamtrain.data;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.streamtrain.config.ConfigException;
import io.streamtrain.config.StreamtrainConfig;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DataSetsTest {
    @TempDir
    Path dir;

    private static StreamtrainConfig config(String... keyValues) {
        Map<String, String> values = new HashMap<>();
        for (int i = 0; i < keyValues.length; i += 2) {
            values.put(keyValues[i], keyValues[i + 1]);
        }
        return StreamtrainConfig.of(values);
    }

    private static List<String> text(Rows rows) {
        List<String> out = new ArrayList<>();
        for (int i = 0; i < rows.size(); i++) {
            out.add(new String(rows.get(i), StandardCharsets.UTF_8));
        }
        return out;
    }

    private Path file(String name, String content) throws Exception {
        return Files.writeString(dir.resolve(name), content);
    }

    @Test
    void csvHeaderIsDetectedAndBlankLinesSkipped() throws Exception {
        Path csv = file("rows.csv", "id,x1,x2,y\r\n1,0.5,1,1\r\n\r\n2,-1,\"2\",0\n   \n3,x,2,1\n");
        RowFile auto = RowFile.read(csv, "csv", "auto");
        assertThat(auto.header()).containsExactly("id", "x1", "x2", "y");
        assertThat(auto.rows()).extracting(b -> new String(b, StandardCharsets.UTF_8))
                .containsExactly("1,0.5,1,1", "2,-1,\"2\",0", "3,x,2,1");
        // a first line with a number is a row; with class-name labels it has numbers too
        assertThat(RowFile.read(file("plain.csv", "0.5,1,Trouser\n1,2,Bag\n"), "csv", "auto").header()).isEmpty();
        assertThat(RowFile.read(csv, "csv", "false").rows()).hasSize(4);
        assertThat(RowFile.read(file("h.csv", "1,2,3\n4,5,6\n"), "csv", "true").header()).containsExactly("1", "2", "3");
    }

    @Test
    void jsonLinesAndJsonArrays() throws Exception {
        Path lines = file("rows.jsonl", "{\"x\": 1}\n\n{\"x\": 2, \"y\": [1, 2]}\n{broken\n");
        assertThat(RowFile.read(lines, "json", "auto").rows()).extracting(b -> new String(b, StandardCharsets.UTF_8))
                .containsExactly("{\"x\": 1}", "{\"x\": 2, \"y\": [1, 2]}", "{broken");
        Path array = file("rows.json", " [ {\"x\": 1},\n {\"x\": 2,\n \"y\": \"a\"} ]");
        assertThat(RowFile.read(array, "json", "auto").rows()).extracting(b -> new String(b, StandardCharsets.UTF_8))
                .containsExactly("{\"x\":1}", "{\"x\":2,\"y\":\"a\"}");
        Path bad = file("bad.json", "[{\"x\": 1},");
        assertThatThrownBy(() -> RowFile.read(bad, "json", "auto")).hasMessageContaining("not a valid JSON array of rows");
        assertThatThrownBy(() -> RowFile.read(dir.resolve("none.csv"), "csv", "auto"))
                .hasMessageContaining("does not exist (data.file / --data)");
    }

    @Test
    void aSeededShareOfAFileIsHeldOutAndTheHeaderNamesTheColumns() throws Exception {
        StringBuilder sb = new StringBuilder("x1,x2,label\n");
        for (int i = 0; i < 1000; i++) {
            sb.append(i).append(",0,").append(i % 2).append('\n');
        }
        Path csv = file("rows.csv", sb.toString());
        StreamtrainConfig c = config("data.generator", "file", "data.file", csv.toString(), "data.holdout-fraction", "0.2",
                "data.features", "x2;x1");
        DataSet data = DataSets.open(c);
        assertThat(data.header()).containsExactly("x1", "x2", "label");
        assertThat(data.train().size()).isEqualTo(800);
        assertThat(data.holdout().size()).isEqualTo(200);
        Set<String> all = new HashSet<>(text(data.train()));
        all.addAll(text(data.holdout()));
        assertThat(all).hasSize(1000);
        // the same seed holds out the same rows, another seed others
        assertThat(text(DataSets.open(c).holdout())).isEqualTo(text(data.holdout()));
        assertThat(text(DataSets.open(c.with(Map.of("data.seed", "7"))).holdout())).isNotEqualTo(text(data.holdout()));
        // data.holdout-rows caps the share
        assertThat(DataSets.open(c.with(Map.of("data.holdout-rows", "50"))).holdout().size()).isEqualTo(50);

        StreamtrainConfig named = DataSets.withHeader(c, data);
        assertThat(named.get(io.streamtrain.config.DataOptions.COLUMNS)).containsExactly("x1", "x2", "label");
        RowFormat format = RowFormats.fromConfig(named, named.architecture());
        float[] x = new float[2];
        float[] y = new float[1];
        assertThat(format.parse("7,3,1".getBytes(StandardCharsets.US_ASCII), x, 0, y, 0)).isNull();
        assertThat(x).containsExactly(3f, 7f);

        assertThatThrownBy(() -> DataSets.open(c.with(Map.of("data.columns", "x2;x1;label"))))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("data.columns [x2, x1, label] differs from the header of");
    }

    @Test
    void aHoldoutFileIsUsedWhole() throws Exception {
        Path train = file("train.jsonl", "{\"features\": [1, 2], \"label\": 1}\n{\"features\": [3, 4], \"label\": 0}\n");
        Path holdout = file("holdout.jsonl", "{\"features\": [5, 6], \"label\": 1}\n");
        DataSet data = DataSets.open(config("data.generator", "file", "data.format", "json", "data.file", train.toString(),
                "data.holdout-file", holdout.toString()));
        assertThat(data.train().size()).isEqualTo(2);
        assertThat(text(data.holdout())).containsExactly("{\"features\": [5, 6], \"label\": 1}");
    }

    @Test
    void generatorsMustStreamTheirOwnFormat() {
        assertThatThrownBy(() -> DataSets.open(config("data.format", "json")))
                .hasMessageContaining("data.generator=seed writes CSV rows");
        StreamtrainConfig fashion = config("data.generator", "fashion-mnist", "data.classes-filter", "0;1");
        assertThatThrownBy(() -> DataSets.checkFits(fashion, fashion.architecture()))
                .hasMessageContaining("writes 784 pixels per row, but model.layers starts with 2");
        StreamtrainConfig tenClasses = config("data.generator", "fashion-mnist", "model.layers", "784;10");
        assertThatThrownBy(() -> DataSets.checkFits(tenClasses.with(Map.of("data.classes-filter", "0;1;2")),
                tenClasses.architecture()))
                .hasMessageContaining("has 3 classes, but the model (784-10 softmax/cross-entropy) has 10 classes");
    }

    @Test
    void generatorsWriteDenseRowsTheDenseFormatParses() throws Exception {
        StreamtrainConfig dense = config("data.format", "dense", "data.rows", "50", "data.holdout-rows", "5");
        DataSet set = DataSets.open(dense);
        RowFormat format = RowFormats.fromConfig(dense, dense.architecture());
        SeedData seed = new SeedData(dense.get(io.streamtrain.config.DataOptions.SEED));
        float[] x = new float[2];
        float[] y = new float[1];
        float[] expected = new float[2];
        for (int i = 0; i < 50; i++) {
            assertThat(format.parse(set.train().get(i), x, 0, y, 0)).isNull();
            int label = seed.row(i, expected, 0);
            assertThat(x).containsExactly(expected);
            assertThat(y[0]).isEqualTo((float) label);
        }
        assertThat(set.holdout().size()).isEqualTo(5);
        StreamtrainConfig file = config("data.format", "dense", "data.generator", "file", "data.file", "rows.bin");
        assertThatThrownBy(() -> DataSets.open(file)).hasMessageContaining("a data.file must be csv or json");
    }

    @Test
    void passesAreSeededPermutations() {
        Rows rows = new SeedRows(new SeedData(1), 100);
        List<String> first = drain(new RowOrder(rows, 3, 0, true, 42));
        assertThat(first).hasSize(300);
        for (int pass = 0; pass < 3; pass++) {
            assertThat(new HashSet<>(first.subList(pass * 100, pass * 100 + 100))).hasSize(100)
                    .isEqualTo(new HashSet<>(text(rows)));
        }
        assertThat(first.subList(0, 100)).isNotEqualTo(first.subList(100, 200));
        assertThat(drain(new RowOrder(rows, 3, 0, true, 42))).isEqualTo(first);
        assertThat(drain(new RowOrder(rows, 1, 0, true, 43))).isNotEqualTo(first.subList(0, 100));
        assertThat(drain(new RowOrder(rows, 2, 0, false, 42))).isEqualTo(concat(text(rows), text(rows)));
        RowOrder limited = new RowOrder(rows, 2, 10, false, 42);
        assertThat(limited.total()).isEqualTo(20);
        assertThat(drain(limited)).isEqualTo(concat(text(rows).subList(0, 10), text(rows).subList(0, 10)));
    }

    private static List<String> concat(List<String> a, List<String> b) {
        List<String> out = new ArrayList<>(a);
        out.addAll(b);
        return out;
    }

    private static List<String> drain(RowOrder order) {
        List<String> out = new ArrayList<>();
        while (order.hasNext()) {
            out.add(new String(order.next(), StandardCharsets.UTF_8));
        }
        return out;
    }
}
