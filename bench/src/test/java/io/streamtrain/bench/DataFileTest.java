package io.streamtrain.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DataFileTest {

    @Test
    void rowsComeBackInOrderAndTheLayoutIsTheDocumentedOne(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("rows.bin");
        try (DataFile.Writer w = new DataFile.Writer(file, 2, 1)) {
            w.add(new float[] {1.5f, -2f}, 0, new float[] {1f}, 0);
            w.add(new float[] {9f, 0.25f, 3f}, 1, new float[] {0f, 7f}, 1);
        }
        DataFile.Arrays a = DataFile.read(file);
        assertThat(a.rows()).isEqualTo(2);
        assertThat(a.x()).containsExactly(1.5f, -2f, 0.25f, 3f);
        assertThat(a.y()).containsExactly(1f, 7f);

        // what the PyTorch peer reads: int32 header, then rows of float32, little-endian
        ByteBuffer b = ByteBuffer.wrap(Files.readAllBytes(file)).order(ByteOrder.LITTLE_ENDIAN);
        assertThat(b.getInt()).isEqualTo(DataFile.MAGIC);
        assertThat(new int[] {b.getInt(), b.getInt(), b.getInt()}).containsExactly(2, 2, 1);
        assertThat(new float[] {b.getFloat(), b.getFloat(), b.getFloat()}).containsExactly(1.5f, -2f, 1f);
        assertThat(b.remaining()).isEqualTo(12);
    }
}
