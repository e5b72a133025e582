package io.streamtrain.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.streamtrain.connectors.kafka.EmbeddedKafka;
import io.streamtrain.data.SeedData;
import io.streamtrain.testing.TopicRecords;
import java.io.DataOutputStream;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code streamtrain produce} against a real (embedded) Kafka broker: what lands in the topic, exactly. */
class ProduceCommandITCase {
    @TempDir
    static Path dir;

    private static EmbeddedKafka kafka;

    @BeforeAll
    static void startKafka() throws Exception {
        kafka = EmbeddedKafka.start(dir.resolve("kafka"));
    }

    @AfterAll
    static void stopKafka() {
        kafka.close();
    }

    /** Runs the command line; returns its exit code, output and error text. */
    private static String[] produce(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        List<String> all = new ArrayList<>(List.of("produce", "--bootstrap-servers", kafka.bootstrapServers()));
        all.addAll(List.of(args));
        int code = Main.commandLine().setOut(new PrintWriter(out)).setErr(new PrintWriter(err))
                .execute(all.toArray(new String[0]));
        return new String[] {Integer.toString(code), out.toString(), err.toString()};
    }

    @Test
    void seedRowsOverSeveralPassesIntoANewTopic() throws Exception {
        String[] result = produce("--topic", "seed-rows", "--dataset", "seed", "--rows", "500", "--epochs", "2",
                "--seed", "5", "--partitions", "3");
        assertThat(result[0]).as(result[2]).isEqualTo("0");
        assertThat(result[1]).contains("sent 1,000 rows").contains("topic seed-rows (3 partitions)");

        List<ConsumerRecord<byte[], byte[]>> records = readAll("seed-rows");
        assertThat(records).hasSize(1000);
        // row i to partition i mod 3
        assertThat(records.stream().filter(r -> r.partition() == 0)).hasSize(334);
        assertThat(records.stream().filter(r -> r.partition() == 2)).hasSize(333);
        // each pass is all 500 rows, shuffled (the seed generator's data.seed is 5 too)
        List<String> expected = new ArrayList<>();
        SeedData seed = new SeedData(5);
        for (int i = 0; i < 500; i++) {
            expected.add(new String(seed.csv(i), StandardCharsets.UTF_8));
        }
        List<String> sent = values(records);
        assertThat(sent).containsExactlyInAnyOrderElementsOf(concat(expected, expected));
    }

    @Test
    void denseRowsSeveralAMessageSplitBackIntoTheSameRows() throws Exception {
        String[] result = produce("--topic", "dense-rows", "--dataset", "seed", "--rows", "100", "--no-shuffle",
                "--partitions", "2", "--rows-per-message", "8", "--set", "data.format=dense");
        assertThat(result[0]).as(result[2]).isEqualTo("0");
        assertThat(result[1]).contains("sent 100 rows (1,600 bytes, 0.0 MB in 13 messages)");
        List<ConsumerRecord<byte[], byte[]>> records = readAll("dense-rows");
        // 13 messages (12 of 8 rows, the last of 4), message i to partition i mod 2: where a bounded read stops
        assertThat(records).hasSize(13);
        assertThat(records.stream().filter(r -> r.partition() == 0)).hasSize(7);
        assertThat(io.streamtrain.connectors.kafka.SendRows.messagesPerPartition(100, 8, 2)).containsExactly(7, 6);
        io.streamtrain.data.RowFormat dense = new io.streamtrain.data.DenseRowFormat(
                io.streamtrain.data.RowSchema.classIndices(2, 2, 1e6, 1 << 20));
        // in the order sent: partition 0 holds messages 0, 2, 4, ..., partition 1 messages 1, 3, ...
        List<ConsumerRecord<byte[], byte[]>> inOrder = new ArrayList<>();
        List<ConsumerRecord<byte[], byte[]>> p0 = records.stream().filter(r -> r.partition() == 0).toList();
        List<ConsumerRecord<byte[], byte[]>> p1 = records.stream().filter(r -> r.partition() == 1).toList();
        for (int i = 0; i < records.size(); i++) {
            inOrder.add(i % 2 == 0 ? p0.get(i / 2) : p1.get(i / 2));
        }
        SeedData seed = new SeedData(42);
        float[] x = new float[2];
        float[] y = new float[1];
        int row = 0;
        for (ConsumerRecord<byte[], byte[]> r : inOrder) {
            int rows = dense.rowsIn(r.value());
            assertThat(rows).isEqualTo(row < 96 ? 8 : 4);
            for (int k = 0; k < rows; k++, row++) {
                assertThat(dense.parse(r.value(), k, x, 0, y, 0)).isNull();
                float[] expected = new float[2];
                int label = seed.row(row, expected, 0);
                assertThat(dense.row(r.value(), k)).isEqualTo(io.streamtrain.data.DenseRowFormat.encode(label, expected, 0, 2));
            }
        }
        assertThat(row).isEqualTo(100);

        String[] csv = produce("--topic", "csv-packed", "--dataset", "seed", "--rows", "10", "--rows-per-message", "4");
        assertThat(csv[0]).isNotEqualTo("0");
        assertThat(csv[2]).contains("data.rows-per-message: 4 rows a message needs data.format=dense");
    }

    @Test
    void aJsonFileInItsOrderAndACsvFileWithoutItsHeader() throws Exception {
        Path json = Files.writeString(dir.resolve("rows.jsonl"),
                "{\"x1\": 1, \"x2\": 2, \"y\": \"yes\"}\n\n{\"x1\": 3, \"x2\": 4, \"y\": \"no\"}\n{not json\n");
        String[] result = produce("--topic", "json-rows", "--file", json.toString(), "--no-shuffle", "--partitions", "1");
        assertThat(result[0]).as(result[2]).isEqualTo("0");
        assertThat(values(readAll("json-rows"))).containsExactly("{\"x1\": 1, \"x2\": 2, \"y\": \"yes\"}",
                "{\"x1\": 3, \"x2\": 4, \"y\": \"no\"}", "{not json");

        Path csv = Files.writeString(dir.resolve("rows.csv"), "x1,x2,label\n1,2,0\n3,4,1\n5,6,1\n");
        result = produce("--topic", "csv-rows", "--file", csv.toString(), "--partitions", "1", "--epochs", "3");
        assertThat(result[0]).as(result[2]).isEqualTo("0");
        assertThat(result[1]).contains("header (not sent): [x1, x2, label]").contains("sent 9 rows");
        assertThat(values(readAll("csv-rows"))).hasSize(9).containsOnly("1,2,0", "3,4,1", "5,6,1");
    }

    @Test
    void fashionMnistHeldOutImagesOfTwoClasses() throws Exception {
        Path fashion = dir.resolve("fashion");
        Files.createDirectories(fashion);
        for (String split : List.of("train", "t10k")) {
            byte[] labels = split.equals("train") ? new byte[] {0, 1, 2} : new byte[] {7, 1, 0, 1, 9};
            writeIdx(fashion.resolve(split + "-images-idx3-ubyte"), new int[] {labels.length, 28, 28},
                    new byte[labels.length * 784]);
            writeIdx(fashion.resolve(split + "-labels-idx1-ubyte"), new int[] {labels.length}, labels);
        }
        String[] result = produce("--topic", "fashion-holdout", "--dataset", "fashion-mnist", "--classes", "1,0",
                "--split", "holdout", "--no-shuffle", "--partitions", "1",
                "--set", "data.fashion-mnist-dir=" + fashion);
        assertThat(result[0]).as(result[2]).isEqualTo("0");
        List<String> rows = values(readAll("fashion-holdout"));
        // classes 1 and 0, renumbered 0 and 1, in the test file's order
        assertThat(rows).extracting(r -> r.substring(r.lastIndexOf(',') + 1)).containsExactly("0", "1", "0");
        assertThat(rows.get(0).split(",")).hasSize(785);
    }

    @Test
    void aMissingDataSetNamesThePackageAndSendsNothing() {
        String[] result = produce("--topic", "never", "--dataset", "fashion-mnist",
                "--set", "data.fashion-mnist-dir=" + dir.resolve("nowhere"));
        assertThat(result[0]).isEqualTo("1");
        assertThat(result[2]).contains("Fashion-MNIST is not installed")
                .contains("apt-get install dataset-fashion-mnist").doesNotContain("\tat ");
        String[] bad = produce("--topic", "never", "--dataset", "seed", "--set", "data.epochs=0");
        assertThat(bad[0]).isEqualTo("1");
        assertThat(bad[2]).contains("data.epochs: 0 is out of range");
    }

    @Test
    void kafkaPropertiesOfTheConfigurationReachTheProducerAndProducerPropertiesGoOverThem() throws Exception {
        Path config = Files.writeString(dir.resolve("tiny-requests.yaml"), """
                kafka:
                  properties:
                    max.request.size: 20
                    client.id: produce-props
                """);
        String[] refused = produce("--topic", "props-rows", "--dataset", "seed", "--rows", "10", "--partitions", "1",
                "--config", config.toString());
        assertThat(refused[0]).isEqualTo("1");
        assertThat(refused[2]).contains("larger than 20, which is the value of the max.request.size configuration");
        assertThat(readAll("props-rows")).isEmpty();

        String[] sent = produce("--topic", "props-rows", "--dataset", "seed", "--rows", "10", "--partitions", "1",
                "--config", config.toString(), "--producer-property", "max.request.size=1048576");
        assertThat(sent[0]).as(sent[2]).isEqualTo("0");
        assertThat(readAll("props-rows")).hasSize(10);
    }

    private static void writeIdx(Path file, int[] dims, byte[] data) throws Exception {
        try (OutputStream os = Files.newOutputStream(file); DataOutputStream out = new DataOutputStream(os)) {
            out.write(new byte[] {0, 0, 0x08, (byte) dims.length});
            for (int d : dims) {
                out.writeInt(d);
            }
            out.write(data);
        }
    }

    private static List<String> concat(List<String> a, List<String> b) {
        List<String> out = new ArrayList<>(a);
        out.addAll(b);
        return out;
    }

    private static List<String> values(List<ConsumerRecord<byte[], byte[]>> records) {
        return records.stream().map(r -> new String(r.value(), StandardCharsets.UTF_8)).toList();
    }

    private static List<ConsumerRecord<byte[], byte[]>> readAll(String topic) {
        return TopicRecords.readAll(kafka.bootstrapServers(), topic);
    }
}
