package io.streamtrain.data;

import java.io.BufferedInputStream;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.zip.GZIPInputStream;

/**
 * An IDX file of unsigned bytes (the MNIST file format: images {@code n x rows x cols}, labels
 * {@code n}), gzipped or not.
 *
 * <p>Hand-written because the format is 4 + 4 x dims header bytes and a byte array: every Java
 * reader of it we know of comes inside a large ML framework (DL4J's datasets, Tribuo).
 * Format: two zero bytes, the element type (0x08 = unsigned byte), the number of dimensions,
 * each dimension as a big-endian 32-bit integer, then the elements in row-major order.
 */
public final class IdxFile {
    private static final int UNSIGNED_BYTE = 0x08;

    private final int[] dims;
    private final byte[] data;

    private IdxFile(int[] dims, byte[] data) {
        this.dims = dims;
        this.data = data;
    }

    /** Reads {@code path}; a gzipped file (magic 1f 8b) is unpacked on the fly. */
    public static IdxFile read(Path path) throws IOException {
        try (InputStream raw = new BufferedInputStream(Files.newInputStream(path), 1 << 16)) {
            raw.mark(2);
            int b0 = raw.read();
            int b1 = raw.read();
            raw.reset();
            InputStream in = b0 == 0x1f && b1 == 0x8b ? new GZIPInputStream(raw, 1 << 16) : raw;
            return read(in, path.toString());
        }
    }

    /** Reads an (uncompressed) IDX stream; {@code name} is used in error messages. */
    public static IdxFile read(InputStream stream, String name) throws IOException {
        DataInputStream in = new DataInputStream(stream);
        byte[] magic = new byte[4];
        try {
            in.readFully(magic);
        } catch (EOFException e) {
            throw new IOException(name + ": not an IDX file (shorter than its 4-byte magic number)");
        }
        if (magic[0] != 0 || magic[1] != 0) {
            throw new IOException(name + ": not an IDX file (magic number starts with "
                    + String.format("%02x %02x", magic[0] & 0xff, magic[1] & 0xff) + ", expected 00 00)");
        }
        if (magic[2] != UNSIGNED_BYTE) {
            throw new IOException(name + ": element type 0x" + String.format("%02x", magic[2] & 0xff)
                    + " is not supported, only unsigned bytes (0x08)");
        }
        int rank = magic[3] & 0xff;
        if (rank < 1 || rank > 4) {
            throw new IOException(name + ": " + rank + " dimensions; expected 1 (labels) to 4");
        }
        int[] dims = new int[rank];
        long elements = 1;
        for (int d = 0; d < rank; d++) {
            try {
                dims[d] = in.readInt();
            } catch (EOFException e) {
                throw new IOException(name + ": truncated in the header (dimension " + (d + 1) + " of " + rank + ")");
            }
            if (dims[d] < 0) {
                throw new IOException(name + ": dimension " + (d + 1) + " is negative (" + dims[d] + ")");
            }
            elements *= dims[d];
            if (elements > Integer.MAX_VALUE - 8) {
                throw new IOException(name + ": " + Arrays.toString(dims) + " is more than 2^31 elements");
            }
        }
        byte[] data = new byte[(int) elements];
        int read = in.readNBytes(data, 0, data.length);
        if (read < data.length) {
            throw new IOException(name + ": truncated: dimensions " + Arrays.toString(dims) + " need " + data.length
                    + " bytes of data, found " + read);
        }
        if (in.read() >= 0) {
            throw new IOException(name + ": more data than its dimensions " + Arrays.toString(dims) + " hold");
        }
        return new IdxFile(dims, data);
    }

    /** The dimensions, outermost first (e.g. images, rows, columns). */
    public int[] dims() {
        return dims.clone();
    }

    /** Number of items: the outermost dimension. */
    public int count() {
        return dims[0];
    }

    /** Elements per item: the product of the inner dimensions (784 for 28 x 28 images, 1 for labels). */
    public int itemSize() {
        int size = 1;
        for (int d = 1; d < dims.length; d++) {
            size *= dims[d];
        }
        return size;
    }

    /** Element {@code j} of item {@code i}, as an unsigned value 0..255. */
    public int get(int i, int j) {
        return data[i * itemSize() + j] & 0xff;
    }

    /** The elements, row-major (not copied). */
    byte[] data() {
        return data;
    }
}
