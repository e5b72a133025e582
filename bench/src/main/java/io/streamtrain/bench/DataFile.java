package io.streamtrain.bench;

import java.io.BufferedOutputStream;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * Parsed rows on disk, so that every in-memory trainer (ours in a child JVM, DL4J, PyTorch)
 * trains on exactly the values the job parses from the topic, in the topic's order.
 *
 * <p>Layout, little-endian: the int32s {@code MAGIC, rows, features, labelWidth}, then per row
 * its features and then its label(s) as float32. NumPy reads it with
 * {@code np.fromfile(f, '<f4', offset=16).reshape(rows, features + labelWidth)}.
 */
final class DataFile {
    static final int MAGIC = 0x53544244; // "STBD"
    static final int HEADER_BYTES = 16;

    /** Rows in memory: features {@code x} (rows x features) and labels {@code y} (rows x labelWidth). */
    record Arrays(int rows, int features, int labelWidth, float[] x, float[] y) {}

    private DataFile() {}

    /** Writes rows one at a time; {@link #close} fills in the row count. */
    static final class Writer implements AutoCloseable {
        private final Path file;
        private final int features;
        private final int labelWidth;
        private final OutputStream out;
        private final ByteBuffer row;
        private int rows;

        Writer(Path file, int features, int labelWidth) throws IOException {
            this.file = file;
            this.features = features;
            this.labelWidth = labelWidth;
            this.out = new BufferedOutputStream(Files.newOutputStream(file), 1 << 20);
            this.row = ByteBuffer.allocate(4 * (features + labelWidth)).order(ByteOrder.LITTLE_ENDIAN);
            out.write(header(0));
        }

        void add(float[] x, int xOffset, float[] y, int yOffset) throws IOException {
            row.clear();
            for (int i = 0; i < features; i++) {
                row.putFloat(x[xOffset + i]);
            }
            for (int i = 0; i < labelWidth; i++) {
                row.putFloat(y[yOffset + i]);
            }
            out.write(row.array(), 0, row.position());
            rows++;
        }

        int rows() {
            return rows;
        }

        private byte[] header(int n) {
            return ByteBuffer.allocate(HEADER_BYTES).order(ByteOrder.LITTLE_ENDIAN)
                    .putInt(MAGIC).putInt(n).putInt(features).putInt(labelWidth).array();
        }

        @Override
        public void close() throws IOException {
            out.close();
            try (FileChannel ch = FileChannel.open(file, StandardOpenOption.WRITE)) {
                ch.write(ByteBuffer.wrap(header(rows)), 0);
            }
        }
    }

    /** Reads a whole file into memory. */
    static Arrays read(Path file) throws IOException {
        try (DataInputStream in = new DataInputStream(new java.io.BufferedInputStream(Files.newInputStream(file), 1 << 20))) {
            ByteBuffer h = ByteBuffer.wrap(in.readNBytes(HEADER_BYTES)).order(ByteOrder.LITTLE_ENDIAN);
            if (h.getInt() != MAGIC) {
                throw new IOException(file + " is not a benchmark data file");
            }
            int rows = h.getInt();
            int features = h.getInt();
            int labelWidth = h.getInt();
            float[] x = new float[Math.multiplyExact(rows, features)];
            float[] y = new float[Math.multiplyExact(rows, labelWidth)];
            int width = features + labelWidth;
            byte[] chunk = new byte[4 * width * 4096];
            int r = 0;
            while (r < rows) {
                int n = Math.min(4096, rows - r);
                in.readFully(chunk, 0, 4 * width * n);
                ByteBuffer b = ByteBuffer.wrap(chunk, 0, 4 * width * n).order(ByteOrder.LITTLE_ENDIAN);
                for (int i = 0; i < n; i++, r++) {
                    for (int f = 0; f < features; f++) {
                        x[r * features + f] = b.getFloat();
                    }
                    for (int l = 0; l < labelWidth; l++) {
                        y[r * labelWidth + l] = b.getFloat();
                    }
                }
            }
            return new Arrays(rows, features, labelWidth, x, y);
        }
    }
}
