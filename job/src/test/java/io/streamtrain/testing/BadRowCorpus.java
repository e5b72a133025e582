package io.streamtrain.testing;

import io.streamtrain.data.CsvRowFormat;
import io.streamtrain.data.DenseRowFormat;
import io.streamtrain.data.JsonRowFormat;
import io.streamtrain.data.RowFormat;
import io.streamtrain.data.RowSchema;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;

/**
 * The bad-row corpus of {@code src/test/resources/bad-rows/} (its README.md describes the files):
 * rows that must go to the dead-letter topic, each with a substring of the reason.
 */
public final class BadRowCorpus {
    /** Every corpus row is read with these limits. */
    public static final double MAX_ABS_VALUE = 1e6;

    public static final int MAX_ROW_BYTES = 256;

    /** The class names of the {@code named} schema. */
    public static final List<String> CLASS_NAMES = List.of("neg", "pos");

    private static final String FOLDER = "/bad-rows/";

    private BadRowCorpus() {}

    /** A row format's corpus file. */
    public enum Format {
        CSV("csv.txt"),
        JSON("json.txt"),
        DENSE("dense.txt");

        private final String file;

        Format(String file) {
            this.file = file;
        }

        /** The seed rows' format of this kind, under {@code schema} ("seed" or "named"). */
        public RowFormat rowFormat(String schema) {
            RowSchema s = schema(schema);
            switch (this) {
                case CSV:
                    return CsvRowFormat.positional(s);
                case JSON:
                    return new JsonRowFormat(s, new String[] {"x1", "x2"}, null, new String[] {"label"});
                default:
                    return new DenseRowFormat(s);
            }
        }
    }

    /**
     * One bad row.
     *
     * @param kind what is wrong with it, e.g. {@code too-few-fields}
     * @param schema {@code seed} (class indices) or {@code named} (class names {@link #CLASS_NAMES})
     * @param reason a substring of the reason the row must be rejected with
     * @param row the bytes of the row
     */
    public record Entry(String kind, String schema, String reason, byte[] row) {
        @Override
        public String toString() {
            return kind;
        }
    }

    /** The schema of the seed rows: 2 features and 2 classes, by index ("seed") or by name ("named"). */
    public static RowSchema schema(String schema) {
        switch (schema) {
            case "seed":
                return new RowSchema(2, 1, 2, List.of(), 1.0, MAX_ABS_VALUE, MAX_ROW_BYTES);
            case "named":
                return new RowSchema(2, 1, 2, CLASS_NAMES, 1.0, MAX_ABS_VALUE, MAX_ROW_BYTES);
            default:
                throw new IllegalArgumentException("unknown corpus schema '" + schema + "'");
        }
    }

    /** Every entry of a format's corpus, in file order. */
    public static List<Entry> entries(Format format) {
        List<Entry> out = new ArrayList<>();
        String text = new String(resource(format.file), StandardCharsets.UTF_8);
        int lineNumber = 0;
        for (String line : text.split("\n", -1)) {
            lineNumber++;
            if (line.isBlank() || line.startsWith("#")) {
                continue;
            }
            String[] parts = line.split(" \\| ", 4);
            if (parts.length == 3 && parts[2].endsWith(" |")) {
                // an empty row whose trailing space an editor removed
                parts = new String[] {parts[0], parts[1], parts[2].substring(0, parts[2].length() - 2), ""};
            }
            if (parts.length != 4) {
                throw new IllegalStateException(format.file + ":" + lineNumber + ": expected 'kind | schema | reason | row'");
            }
            out.add(new Entry(parts[0].trim(), parts[1].trim(), parts[2].trim(), row(parts[3])));
        }
        return out;
    }

    /** The entries of a format's corpus under one schema. */
    public static List<Entry> entries(Format format, String schema) {
        return entries(format).stream().filter(e -> e.schema().equals(schema)).toList();
    }

    private static byte[] row(String spec) {
        if (spec.startsWith("@")) {
            return resource(spec.substring(1).trim());
        }
        if (spec.startsWith("hex:")) {
            return HexFormat.of().parseHex(spec.substring(4).replace(" ", ""));
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        byte[] utf8 = spec.getBytes(StandardCharsets.UTF_8);
        for (int i = 0; i < utf8.length; i++) {
            if (utf8[i] != '\\' || i + 1 == utf8.length) {
                out.write(utf8[i]);
                continue;
            }
            char c = (char) utf8[++i];
            switch (c) {
                case 'x':
                    out.write(Integer.parseInt(new String(utf8, i + 1, 2, StandardCharsets.US_ASCII), 16));
                    i += 2;
                    break;
                case 't':
                    out.write('\t');
                    break;
                case 'r':
                    out.write('\r');
                    break;
                case 'n':
                    out.write('\n');
                    break;
                case '\\':
                    out.write('\\');
                    break;
                default:
                    throw new IllegalStateException("unknown escape \\" + c + " in corpus row " + spec);
            }
        }
        return out.toByteArray();
    }

    private static byte[] resource(String name) {
        try (InputStream in = BadRowCorpus.class.getResourceAsStream(FOLDER + name)) {
            if (in == null) {
                throw new IllegalStateException("no corpus file " + FOLDER + name + " on the test class path");
            }
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
