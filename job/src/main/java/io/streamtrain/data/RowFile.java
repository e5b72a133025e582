package io.streamtrain.data;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The rows of a user's CSV or JSON file, read into memory, one Kafka message per row.
 *
 * <p>CSV: one row per line, blank lines skipped, the first line a header of column names when
 * asked (or, with {@code auto}, when none of its fields is a number). JSON: one object per line
 * (JSON Lines), or one array of objects. A line is sent as it is, so a malformed one reaches the
 * job and its dead-letter topic like any bad message; only a JSON array must parse as a whole.
 */
public final class RowFile {
    private final List<byte[]> rows;
    private final List<String> header;

    private RowFile(List<byte[]> rows, List<String> header) {
        this.rows = rows;
        this.header = header;
    }

    /**
     * @param format csv or json
     * @param header for CSV: true, false or auto
     */
    public static RowFile read(Path path, String format, String header) throws IOException {
        if (!Files.isRegularFile(path)) {
            throw new java.io.FileNotFoundException("data file " + path + " does not exist (data.file / --data)");
        }
        byte[] bytes = Files.readAllBytes(path);
        int first = 0;
        while (first < bytes.length && Character.isWhitespace(bytes[first])) {
            first++;
        }
        if (format.equals("json") && first < bytes.length && bytes[first] == '[') {
            return new RowFile(jsonArray(path, bytes), List.of());
        }
        List<byte[]> lines = lines(bytes);
        List<String> names = List.of();
        if (format.equals("csv") && !lines.isEmpty() && isHeader(lines.get(0), header)) {
            names = fields(lines.remove(0));
        }
        return new RowFile(lines, names);
    }

    public List<byte[]> rows() {
        return rows;
    }

    /** The column names of the header line, or empty. */
    public List<String> header() {
        return header;
    }

    private static List<byte[]> lines(byte[] bytes) {
        List<byte[]> lines = new ArrayList<>();
        int start = 0;
        for (int i = 0; i <= bytes.length; i++) {
            if (i == bytes.length || bytes[i] == '\n') {
                int end = i;
                if (end > start && bytes[end - 1] == '\r') {
                    end--;
                }
                boolean blank = true;
                for (int b = start; b < end && blank; b++) {
                    blank = bytes[b] == ' ' || bytes[b] == '\t';
                }
                if (!blank) {
                    lines.add(Arrays.copyOfRange(bytes, start, end));
                }
                start = i + 1;
            }
        }
        return lines;
    }

    private static List<byte[]> jsonArray(Path path, byte[] bytes) throws IOException {
        ObjectMapper mapper = new ObjectMapper();
        JsonNode root;
        try {
            root = mapper.readTree(bytes);
        } catch (IOException e) {
            throw new IOException(path + ": not a valid JSON array of rows: " + e.getMessage(), e);
        }
        List<byte[]> rows = new ArrayList<>(root.size());
        for (JsonNode row : root) {
            rows.add(mapper.writeValueAsBytes(row));
        }
        return rows;
    }

    private static boolean isHeader(byte[] line, String header) {
        switch (header) {
            case "true":
                return true;
            case "false":
                return false;
            default:
                for (String field : fields(line)) {
                    if (isNumber(field)) {
                        return false;
                    }
                }
                return true;
        }
    }

    private static boolean isNumber(String field) {
        try {
            Double.parseDouble(field);
            return true;
        } catch (NumberFormatException e) {
            return false;
        }
    }

    /** The fields of a CSV line, unquoted and trimmed. */
    static List<String> fields(byte[] line) {
        List<String> out = new ArrayList<>();
        String text = new String(line, StandardCharsets.UTF_8);
        StringBuilder field = new StringBuilder();
        boolean quoted = false;
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c == '"') {
                quoted = !quoted;
            } else if (c == ',' && !quoted) {
                out.add(field.toString().trim());
                field.setLength(0);
            } else {
                field.append(c);
            }
        }
        out.add(field.toString().trim());
        return out;
    }
}
