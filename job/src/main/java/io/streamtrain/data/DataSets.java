package io.streamtrain.data;

import io.streamtrain.config.ConfigException;
import io.streamtrain.config.DataOptions;
import io.streamtrain.config.StreamtrainConfig;
import io.streamtrain.nn.Architecture;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;

/** Opens the data set a configuration names ({@code data.generator} and its settings). */
public final class DataSets {
    private DataSets() {}

    /**
     * The training and held-out rows of {@code data.generator}: seed, fashion-mnist or file.
     *
     * @throws IOException when files are missing (naming what to install or set) or unreadable
     */
    public static DataSet open(StreamtrainConfig config) throws IOException {
        String generator = config.get(DataOptions.GENERATOR);
        long seed = config.get(DataOptions.SEED);
        int holdoutRows = config.get(DataOptions.HOLDOUT_ROWS);
        switch (generator) {
            case "seed": {
                boolean dense = generatedFormat(config, generator);
                int rows = (int) Math.min(config.get(DataOptions.ROWS), Integer.MAX_VALUE);
                return new DataSet("seed rows x1,x2,y (x ~ N(0,1), y = [x1 + x2 > 0], data.seed " + seed + ")",
                        new SeedRows(new SeedData(seed), rows, dense),
                        new SeedRows(SeedData.holdout(seed), holdoutRows, dense), List.of());
            }
            case "fashion-mnist": {
                boolean dense = generatedFormat(config, generator);
                Path dir = Path.of(config.get(DataOptions.FASHION_MNIST_DIR));
                DataSet set = FashionMnist.load(dir, config.get(DataOptions.CLASSES_FILTER),
                        dense ? List.of() : RowFormats.names(config.get(DataOptions.CLASSES)), dense);
                return new DataSet(set.description(), set.train(), first(set.holdout(), holdoutRows), List.of());
            }
            case "file":
                return file(config, seed, holdoutRows);
            default:
                throw new ConfigException(DataOptions.GENERATOR.key() + ": must be seed, fashion-mnist or file, got '"
                        + generator + "'");
        }
    }

    /**
     * Checks that the rows a generator writes fit the model (a file's rows are checked row by
     * row by the parser instead).
     */
    public static void checkFits(StreamtrainConfig config, Architecture arch) {
        RowFormats.fromConfig(config, arch);
        String generator = config.get(DataOptions.GENERATOR);
        if (generator.equals("seed") && arch.inputs() != 2) {
            throw new ConfigException("data.generator=seed writes 2 features, but model.layers starts with "
                    + arch.inputs());
        }
        if (generator.equals("fashion-mnist")) {
            if (arch.inputs() != FashionMnist.PIXELS) {
                throw new ConfigException("data.generator=fashion-mnist writes " + FashionMnist.PIXELS
                        + " pixels per row, but model.layers starts with " + arch.inputs());
            }
            int classes = config.get(DataOptions.CLASSES_FILTER).isEmpty() ? 10
                    : config.get(DataOptions.CLASSES_FILTER).size();
            if (!arch.isClassifier() || arch.classes() != classes) {
                throw new ConfigException("data.generator=fashion-mnist with data.classes-filter "
                        + config.get(DataOptions.CLASSES_FILTER) + " has " + classes + " classes, but the model ("
                        + arch + ") has " + (arch.isClassifier() ? arch.classes() + " classes" : "no classes"));
            }
        }
    }

    /**
     * The configuration for training on (or streaming) {@code file}: data.generator=file, and
     * data.format=json for a .json/.jsonl/.ndjson file unless the configuration sets a format.
     */
    public static StreamtrainConfig forFile(StreamtrainConfig config, Path file) {
        java.util.Map<String, String> values = new java.util.HashMap<>();
        values.put(DataOptions.GENERATOR.key(), "file");
        values.put(DataOptions.FILE.key(), file.toString());
        if (!config.values().containsKey(DataOptions.FORMAT.key())
                && file.getFileName().toString().matches("(?i).*\\.(json|jsonl|ndjson)")) {
            values.put(DataOptions.FORMAT.key(), "json");
        }
        return config.with(values);
    }

    /**
     * The configuration with the column names of a CSV file's header as {@code data.columns},
     * when the file has one and the configuration names none.
     */
    public static StreamtrainConfig withHeader(StreamtrainConfig config, DataSet data) {
        if (data.header().isEmpty() || !RowFormats.names(config.get(DataOptions.COLUMNS)).isEmpty()) {
            return config;
        }
        for (String name : data.header()) {
            if (name.isEmpty() || name.contains(";")) {
                throw new ConfigException("the header of " + config.get(DataOptions.FILE) + " " + data.header()
                        + " has an empty column name or one with ';'; set data.columns and data.header=false");
            }
        }
        return config.with(java.util.Map.of(DataOptions.COLUMNS.key(), String.join(";", data.header())));
    }

    /** Display names of the classes: data.classes, else Fashion-MNIST's, else the indices. */
    public static List<String> classNames(StreamtrainConfig config, int classes) {
        List<String> names = RowFormats.names(config.get(DataOptions.CLASSES));
        if (!names.isEmpty()) {
            return names;
        }
        List<String> out = new ArrayList<>();
        List<Integer> filter = config.get(DataOptions.CLASSES_FILTER);
        for (int c = 0; c < classes; c++) {
            boolean fashion = config.get(DataOptions.GENERATOR).equals("fashion-mnist");
            int original = filter.isEmpty() || c >= filter.size() ? c : filter.get(c);
            out.add(fashion && original < 10 ? FashionMnist.CLASS_NAMES.get(original) : Integer.toString(c));
        }
        return out;
    }

    /** Whether a generator writes dense rows (else CSV by position); fails for any other format. */
    private static boolean generatedFormat(StreamtrainConfig config, String generator) {
        String format = config.get(DataOptions.FORMAT);
        if (format.equals("dense")) {
            return true;
        }
        if (!format.equals("csv") || !RowFormats.names(config.get(DataOptions.COLUMNS)).isEmpty()) {
            throw new ConfigException("data.generator=" + generator + " writes CSV rows (features then label by "
                    + "position) or dense rows: set data.format=csv and leave data.columns empty, or data.format=dense");
        }
        return false;
    }

    private static DataSet file(StreamtrainConfig config, long seed, int holdoutRows) throws IOException {
        String name = config.get(DataOptions.FILE);
        if (name.isBlank()) {
            throw new ConfigException("data.generator=file needs data.file (local --data FILE)");
        }
        String format = config.get(DataOptions.FORMAT);
        if (format.equals("dense")) {
            throw new ConfigException("data.format=dense rows are written by the seed and fashion-mnist generators "
                    + "(data.generator); a data.file must be csv or json");
        }
        String header = config.get(DataOptions.HEADER);
        RowFile train = RowFile.read(Path.of(name), format, header);
        List<String> columns = train.header();
        checkHeader(config, name, columns);
        String holdoutName = config.get(DataOptions.HOLDOUT_FILE);
        if (!holdoutName.isBlank()) {
            RowFile holdout = RowFile.read(Path.of(holdoutName), format, header);
            checkHeader(config, holdoutName, holdout.header());
            if (!holdout.header().isEmpty() && !columns.isEmpty() && !holdout.header().equals(columns)) {
                throw new ConfigException("the header of data.holdout-file " + holdoutName + " " + holdout.header()
                        + " differs from the header of data.file " + name + " " + columns);
            }
            return new DataSet(format + " file " + name + " (held out: " + holdoutName + ")", Rows.of(train.rows()),
                    first(Rows.of(holdout.rows()), holdoutRows), columns.isEmpty() ? holdout.header() : columns);
        }
        // a seeded share of the file's rows is held out; both parts keep the file's order
        List<byte[]> rows = train.rows();
        int n = rows.size();
        int held = (int) Math.min(Math.round(n * config.get(DataOptions.HOLDOUT_FRACTION)), holdoutRows);
        int[] order = permutation(n, new SplittableRandom(seed ^ 0x5DEECE66DL));
        boolean[] isHeld = new boolean[n];
        for (int i = 0; i < held; i++) {
            isHeld[order[i]] = true;
        }
        List<byte[]> trainRows = new ArrayList<>(n - held);
        List<byte[]> heldRows = new ArrayList<>(held);
        for (int i = 0; i < n; i++) {
            (isHeld[i] ? heldRows : trainRows).add(rows.get(i));
        }
        return new DataSet(format + " file " + name + " (" + held + " of its " + n + " rows held out)",
                Rows.of(trainRows), Rows.of(heldRows), columns);
    }

    private static void checkHeader(StreamtrainConfig config, String file, List<String> header) {
        List<String> columns = RowFormats.names(config.get(DataOptions.COLUMNS));
        if (!header.isEmpty() && !columns.isEmpty() && !header.equals(columns)) {
            throw new ConfigException("data.columns " + columns + " differs from the header of " + file + " " + header
                    + "; leave data.columns empty to take the header's names");
        }
    }

    /** The first {@code n} rows of {@code rows}. */
    static Rows first(Rows rows, int n) {
        int size = Math.min(n, rows.size());
        return new Rows() {
            @Override
            public int size() {
                return size;
            }

            @Override
            public byte[] get(int i) {
                return rows.get(i);
            }
        };
    }

    /** A uniformly random permutation of 0..n-1 (Fisher-Yates). */
    static int[] permutation(int n, SplittableRandom random) {
        int[] p = new int[n];
        for (int i = 0; i < n; i++) {
            p[i] = i;
        }
        for (int i = n - 1; i > 0; i--) {
            int j = random.nextInt(i + 1);
            int t = p[i];
            p[i] = p[j];
            p[j] = t;
        }
        return p;
    }
}
