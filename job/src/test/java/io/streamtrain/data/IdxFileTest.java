package io.streamtrain.data;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.FileNotFoundException;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class IdxFileTest {
    @TempDir
    Path dir;

    /** An IDX file of unsigned bytes with the given dimensions and data. */
    static byte[] idx(int[] dims, byte[] data) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        DataOutputStream out = new DataOutputStream(bytes);
        out.write(new byte[] {0, 0, 0x08, (byte) dims.length});
        for (int d : dims) {
            out.writeInt(d);
        }
        out.write(data);
        return bytes.toByteArray();
    }

    static void write(Path file, byte[] content, boolean gzip) throws IOException {
        try (OutputStream out = gzip ? new GZIPOutputStream(Files.newOutputStream(file)) : Files.newOutputStream(file)) {
            out.write(content);
        }
    }

    /**
     * A tiny Fashion-MNIST directory: {@code trainLabels.length} training and
     * {@code testLabels.length} test images, image i's pixels all equal to {@code (i * 10 + p) % 256}.
     */
    static Path fashionDir(Path dir, byte[] trainLabels, byte[] testLabels) throws IOException {
        Files.createDirectories(dir);
        for (String split : List.of("train", "t10k")) {
            byte[] labels = split.equals("train") ? trainLabels : testLabels;
            byte[] pixels = new byte[labels.length * 784];
            for (int i = 0; i < labels.length; i++) {
                for (int p = 0; p < 784; p++) {
                    pixels[i * 784 + p] = (byte) ((i * 10 + p) % 256);
                }
            }
            write(dir.resolve(split + "-images-idx3-ubyte.gz"), idx(new int[] {labels.length, 28, 28}, pixels), true);
            // the labels uncompressed: both spellings are read
            write(dir.resolve(split + "-labels-idx1-ubyte"), idx(new int[] {labels.length}, labels), false);
        }
        return dir;
    }

    @Test
    void readsPlainAndGzippedFiles() throws Exception {
        byte[] content = idx(new int[] {2, 2, 3}, new byte[] {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, (byte) 255});
        write(dir.resolve("plain"), content, false);
        write(dir.resolve("packed.gz"), content, true);
        for (String name : List.of("plain", "packed.gz")) {
            IdxFile f = IdxFile.read(dir.resolve(name));
            assertThat(f.dims()).containsExactly(2, 2, 3);
            assertThat(f.count()).isEqualTo(2);
            assertThat(f.itemSize()).isEqualTo(6);
            assertThat(f.get(1, 5)).isEqualTo(255);
            assertThat(f.get(1, 0)).isEqualTo(6);
        }
    }

    @Test
    void rejectsMalformedFilesWithAReason() throws Exception {
        byte[] good = idx(new int[] {2, 2}, new byte[] {1, 2, 3, 4});
        assertThat(malformed(new byte[] {0, 0})).contains("shorter than its 4-byte magic number");
        assertThat(malformed("PK\u0003\u0004 zip".getBytes(StandardCharsets.ISO_8859_1)))
                .contains("not an IDX file (magic number starts with 50 4b");
        byte[] floats = good.clone();
        floats[2] = 0x0D;
        assertThat(malformed(floats)).contains("element type 0x0d is not supported");
        assertThat(malformed(Arrays.copyOf(good, 9))).contains("truncated in the header (dimension 2 of 2)");
        assertThat(malformed(Arrays.copyOf(good, good.length - 1)))
                .contains("truncated: dimensions [2, 2] need 4 bytes of data, found 3");
        assertThat(malformed(Arrays.copyOf(good, good.length + 1))).contains("more data than its dimensions [2, 2] hold");
        assertThat(malformed(idx(new int[] {-1}, new byte[0]))).contains("dimension 1 is negative");
        assertThat(malformed(idx(new int[] {1 << 20, 1 << 20}, new byte[0]))).contains("more than 2^31 elements");
        byte[] zeroRank = {0, 0, 0x08, 0};
        assertThat(malformed(zeroRank)).contains("0 dimensions");
    }

    private String malformed(byte[] content) throws IOException {
        Path file = dir.resolve("bad");
        write(file, content, false);
        try {
            IdxFile.read(file);
        } catch (IOException e) {
            assertThat(e.getMessage()).startsWith(file.toString());
            return e.getMessage();
        }
        throw new AssertionError("read a malformed file");
    }

    @Test
    void fashionMnistRowsAreIntegerPixelsThenTheLabel() throws Exception {
        Path fashion = fashionDir(dir.resolve("fm"), new byte[] {3, 0, 1, 9, 1}, new byte[] {1, 0});
        DataSet all = FashionMnist.load(fashion, List.of(), List.of());
        assertThat(all.train().size()).isEqualTo(5);
        assertThat(all.holdout().size()).isEqualTo(2);
        String row = new String(all.train().get(3), StandardCharsets.US_ASCII);
        String[] fields = row.split(",");
        assertThat(fields).hasSize(785);
        assertThat(fields[0]).isEqualTo("30");
        assertThat(fields[226]).isEqualTo("0"); // (30 + 226) % 256
        assertThat(fields[225]).isEqualTo("255");
        assertThat(fields[784]).isEqualTo("9");

        // the row parses back to the pixels / 255
        RowFormat format = CsvRowFormat.positional(new RowSchema(784, 1, 10, List.of(), 1 / 255.0, 255, 1 << 20));
        float[] x = new float[784];
        float[] y = new float[1];
        assertThat(format.parse(all.train().get(3), x, 0, y, 0)).isNull();
        assertThat(x[225]).isEqualTo((float) (255 / 255.0));
        assertThat(x[1]).isEqualTo((float) (31 / 255.0));
        assertThat(y[0]).isEqualTo(9f);
    }

    @Test
    void aClassFilterKeepsAndRenumbersClassesWithOptionalNames() throws Exception {
        Path fashion = fashionDir(dir.resolve("fm"), new byte[] {3, 0, 1, 9, 1}, new byte[] {1, 0, 5});
        DataSet pair = FashionMnist.load(fashion, List.of(1, 9), List.of());
        assertThat(pair.train().size()).isEqualTo(3);
        assertThat(labels(pair.train())).containsExactly("0", "1", "0");
        assertThat(labels(pair.holdout())).containsExactly("0");
        DataSet named = FashionMnist.load(fashion, List.of(1, 0), List.of("Trouser", "T-shirt/top"));
        assertThat(labels(named.train())).containsExactly("T-shirt/top", "Trouser", "Trouser");
        assertThat(named.description()).contains("classes [1, 0] [Trouser, T-shirt/top]");
    }

    private static List<String> labels(Rows rows) {
        String[] out = new String[rows.size()];
        for (int i = 0; i < rows.size(); i++) {
            String row = new String(rows.get(i), StandardCharsets.UTF_8);
            out[i] = row.substring(row.lastIndexOf(',') + 1);
        }
        return List.of(out);
    }

    @Test
    void aMissingDataSetNamesThePackageToInstall() {
        assertThatThrownBy(() -> FashionMnist.load(dir.resolve("nowhere"), List.of(), List.of()))
                .isInstanceOf(FileNotFoundException.class)
                .hasMessageContaining("Fashion-MNIST is not installed")
                .hasMessageContaining("apt-get install dataset-fashion-mnist")
                .hasMessageContaining("data.fashion-mnist-dir");
    }

    @Test
    void mismatchedImageAndLabelCountsFail() throws Exception {
        Path fashion = fashionDir(dir.resolve("fm"), new byte[] {1, 2}, new byte[] {1});
        write(fashion.resolve("t10k-labels-idx1-ubyte"), idx(new int[] {2}, new byte[] {1, 2}), false);
        assertThatThrownBy(() -> FashionMnist.load(fashion, List.of(), List.of()))
                .hasMessageContaining("t10k labels: dimensions [2] do not match 1 images");
        write(fashion.resolve("t10k-labels-idx1-ubyte"), idx(new int[] {1}, new byte[] {10}), false);
        assertThatThrownBy(() -> FashionMnist.load(fashion, List.of(), List.of()))
                .hasMessageContaining("item 0 has label 10, expected 0..9");
    }
}
