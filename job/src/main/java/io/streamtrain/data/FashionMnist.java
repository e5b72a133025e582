package io.streamtrain.data;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Fashion-MNIST (Xiao, Rasul and Vollgraf 2017: 60,000 training and 10,000 test images of 28 x 28
 * grey pixels in ten classes of clothing) from the IDX files of Debian's
 * {@code dataset-fashion-mnist} package, as CSV rows.
 *
 * <p>A row is the 784 pixels as integers 0..255 then the label: a class index, or a class name
 * when names are given. Integers keep a row at about 2.2 kB (float fractions such as
 * {@code 0.5019608} would make it about twice as long) and parse by a digit loop; the job scales them to [0, 1] with
 * {@code data.feature-scale: 0.00392156862745098} (1/255).
 */
public final class FashionMnist {
    /** The Debian package that installs the files. */
    public static final String PACKAGE = "dataset-fashion-mnist";

    /** Where that package puts them. */
    public static final Path DEFAULT_DIR = Path.of("/usr/share/datasets/fashion-mnist");

    /** The classes in index order, as the data set's authors name them. */
    public static final List<String> CLASS_NAMES = List.of("T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
            "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot");

    public static final int PIXELS = 28 * 28;

    private FashionMnist() {}

    /**
     * Loads both splits.
     *
     * @param classes the classes to keep, renumbered 0..k-1 in this order; empty = all ten, as they are
     * @param labelNames empty: labels are written as class indices; else the name of each (renumbered) class
     * @throws IOException naming the package to install when the files are missing, or what is wrong with them
     */
    public static DataSet load(Path dir, List<Integer> classes, List<String> labelNames) throws IOException {
        return load(dir, classes, labelNames, false);
    }

    /**
     * As {@link #load(Path, List, List)}, with the rows as CSV (integer pixels, then the label) or,
     * when {@code dense}, in the binary {@link DenseRowFormat} (8-bit pixels, the class index).
     */
    public static DataSet load(Path dir, List<Integer> classes, List<String> labelNames, boolean dense)
            throws IOException {
        List<Integer> keep = classes.isEmpty() ? List.of(0, 1, 2, 3, 4, 5, 6, 7, 8, 9) : classes;
        for (int c : keep) {
            if (c < 0 || c > 9) {
                throw new IllegalArgumentException("Fashion-MNIST has classes 0..9, not " + c);
            }
        }
        if (!labelNames.isEmpty() && labelNames.size() != keep.size()) {
            throw new IllegalArgumentException(labelNames.size() + " class names for " + keep.size() + " classes");
        }
        Split train = split(dir, "train", keep, labelNames, dense);
        Split test = split(dir, "t10k", keep, labelNames, dense);
        String description = "Fashion-MNIST " + (classes.isEmpty() ? "all classes" : "classes " + classes + " "
                + names(classes)) + " from " + dir;
        return new DataSet(description, train, test, List.of());
    }

    private static String names(List<Integer> classes) {
        List<String> names = new ArrayList<>();
        for (int c : classes) {
            names.add(CLASS_NAMES.get(c));
        }
        return names.toString();
    }

    private static Split split(Path dir, String prefix, List<Integer> keep, List<String> labelNames, boolean dense)
            throws IOException {
        IdxFile images = IdxFile.read(file(dir, prefix + "-images-idx3-ubyte"));
        IdxFile labels = IdxFile.read(file(dir, prefix + "-labels-idx1-ubyte"));
        if (images.dims().length != 3 || images.itemSize() != PIXELS) {
            throw new IOException(prefix + " images: dimensions " + Arrays.toString(images.dims())
                    + ", expected n x 28 x 28");
        }
        if (labels.dims().length != 1 || labels.count() != images.count()) {
            throw new IOException(prefix + " labels: dimensions " + Arrays.toString(labels.dims()) + " do not match "
                    + images.count() + " images");
        }
        int[] newLabel = new int[10];
        Arrays.fill(newLabel, -1);
        for (int k = 0; k < keep.size(); k++) {
            newLabel[keep.get(k)] = k;
        }
        int[] items = new int[images.count()];
        int n = 0;
        for (int i = 0; i < images.count(); i++) {
            int label = labels.get(i, 0);
            if (label > 9) {
                throw new IOException(prefix + " labels: item " + i + " has label " + label + ", expected 0..9");
            }
            if (newLabel[label] >= 0) {
                items[n++] = i;
            }
        }
        return new Split(images, labels, Arrays.copyOf(items, n), newLabel, labelNames, dense);
    }

    /** The file {@code name} or {@code name.gz} in {@code dir}; fails naming the package when neither exists. */
    private static Path file(Path dir, String name) throws IOException {
        Path gz = dir.resolve(name + ".gz");
        if (Files.isRegularFile(gz)) {
            return gz;
        }
        Path plain = dir.resolve(name);
        if (Files.isRegularFile(plain)) {
            return plain;
        }
        throw new java.io.FileNotFoundException("Fashion-MNIST is not installed: " + gz + " not found. Install Debian's package "
                + PACKAGE + " (apt-get install " + PACKAGE + "), or set data.fashion-mnist-dir to a directory with "
                + "the four IDX files");
    }

    /** The kept images of one split, each encoded as a CSV or dense row when asked for. */
    private static final class Split implements Rows {
        private final IdxFile images;
        private final IdxFile labels;
        private final int[] items;
        private final int[] newLabel;
        private final byte[][] labelText;
        private final boolean dense;

        Split(IdxFile images, IdxFile labels, int[] items, int[] newLabel, List<String> labelNames, boolean dense) {
            this.dense = dense;
            this.images = images;
            this.labels = labels;
            this.items = items;
            this.newLabel = newLabel;
            int classes = 0;
            for (int l : newLabel) {
                classes = Math.max(classes, l + 1);
            }
            this.labelText = new byte[classes][];
            for (int k = 0; k < classes; k++) {
                String text = labelNames.isEmpty() ? Integer.toString(k) : labelNames.get(k);
                labelText[k] = text.getBytes(StandardCharsets.UTF_8);
            }
        }

        @Override
        public int size() {
            return items.length;
        }

        @Override
        public byte[] get(int i) {
            int item = items[i];
            if (dense) {
                return DenseRowFormat.encode(newLabel[labels.get(item, 0)], images.data(), item * PIXELS, PIXELS);
            }
            byte[] label = labelText[newLabel[labels.get(item, 0)]];
            byte[] out = new byte[PIXELS * 4 + label.length];
            byte[] pixels = images.data();
            int base = item * PIXELS;
            int n = 0;
            for (int p = 0; p < PIXELS; p++) {
                int v = pixels[base + p] & 0xff;
                if (v >= 100) {
                    out[n++] = (byte) ('0' + v / 100);
                }
                if (v >= 10) {
                    out[n++] = (byte) ('0' + v / 10 % 10);
                }
                out[n++] = (byte) ('0' + v % 10);
                out[n++] = ',';
            }
            System.arraycopy(label, 0, out, n, label.length);
            return Arrays.copyOf(out, n + label.length);
        }
    }
}
