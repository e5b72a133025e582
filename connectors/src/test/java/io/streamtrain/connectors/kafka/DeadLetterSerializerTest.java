package io.streamtrain.connectors.kafka;

import static org.assertj.core.api.Assertions.assertThat;

import io.streamtrain.connectors.record.DeadLetter;
import java.nio.charset.StandardCharsets;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.Test;

/** Dead letters on the wire: the row's bytes as they came, where they came from, and why. */
class DeadLetterSerializerTest {

    private static String header(ProducerRecord<byte[], byte[]> r, String name) {
        return new String(r.headers().lastHeader(name).value(), StandardCharsets.UTF_8);
    }

    @Test
    void keepsTheBytesThePositionAndTheReason() {
        byte[] row = {(byte) 0xff, 0x00, 'a', ','};
        ProducerRecord<byte[], byte[]> r = new DeadLetterSerializer("rows.dlq")
                .serialize(new DeadLetter(row, "byte 0xff at position 0 is not text", "rows", 1, 4711), null, null);
        assertThat(r.topic()).isEqualTo("rows.dlq");
        assertThat(r.value()).containsExactly(row);
        assertThat(r.timestamp()).isNull();
        assertThat(header(r, DeadLetterSerializer.REASON)).isEqualTo("byte 0xff at position 0 is not text");
        assertThat(header(r, DeadLetterSerializer.SOURCE_TOPIC)).isEqualTo("rows");
        assertThat(header(r, DeadLetterSerializer.SOURCE_PARTITION)).isEqualTo("1");
        assertThat(header(r, DeadLetterSerializer.SOURCE_OFFSET)).isEqualTo("4711");
        assertThat(r.headers().lastHeader(DeadLetterSerializer.TRUNCATED_FROM)).isNull();
    }

    @Test
    void aRowLargerThanTheProducerMaySendIsCutAndSaysSo() {
        byte[] row = new byte[1000];
        row[99] = 7;
        ProducerRecord<byte[], byte[]> r = new DeadLetterSerializer("rows.dlq", 100)
                .serialize(new DeadLetter(row, "row of 1000 bytes exceeds data.max-row-bytes=50", "rows", 0, 3), null,
                        null);
        assertThat(r.value()).hasSize(100).endsWith(7);
        assertThat(header(r, DeadLetterSerializer.TRUNCATED_FROM)).isEqualTo("1000");
        assertThat(header(r, DeadLetterSerializer.REASON)).isEqualTo(
                "row of 1000 bytes exceeds data.max-row-bytes=50 (the dead letter keeps the first 100 of its 1000 bytes)");
        // at the limit: whole
        ProducerRecord<byte[], byte[]> whole = new DeadLetterSerializer("rows.dlq", 1000)
                .serialize(new DeadLetter(row, "r", "rows", 0, 3), null, null);
        assertThat(whole.value()).isSameAs(row);
    }
}
