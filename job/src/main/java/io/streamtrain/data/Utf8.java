package io.streamtrain.data;

/** Checks on the bytes of a text row, for the reasons of rows that were rejected. */
final class Utf8 {
    private Utf8() {}

    /** Whether {@code [from, to)} holds only spaces, tabs and line breaks. */
    static boolean isBlank(byte[] b, int from, int to) {
        for (int i = from; i < to; i++) {
            if (b[i] != ' ' && b[i] != '\t' && b[i] != '\r' && b[i] != '\n') {
                return false;
            }
        }
        return true;
    }

    /**
     * Where {@code [from, to)} stops being well-formed UTF-8 (RFC 3629: no overlong forms, no
     * surrogates, nothing beyond U+10FFFF), said in words; null when it is well-formed.
     */
    static String firstError(byte[] b, int from, int to) {
        int i = from;
        while (i < to) {
            int c = b[i] & 0xff;
            if (c < 0x80) {
                i++;
                continue;
            }
            int n;
            int min = 0x80;
            int max = 0xbf;
            if (c >= 0xc2 && c <= 0xdf) {
                n = 1;
            } else if (c >= 0xe0 && c <= 0xef) {
                n = 2;
                // E0 A0..BF (no overlong forms), ED 80..9F (no surrogates)
                min = c == 0xe0 ? 0xa0 : 0x80;
                max = c == 0xed ? 0x9f : 0xbf;
            } else if (c >= 0xf0 && c <= 0xf4) {
                n = 3;
                // F0 90..BF (no overlong forms), F4 80..8F (nothing beyond U+10FFFF)
                min = c == 0xf0 ? 0x90 : 0x80;
                max = c == 0xf4 ? 0x8f : 0xbf;
            } else if (c <= 0xbf) {
                return "byte " + hex(c) + " at position " + (i - from) + " continues no sequence";
            } else {
                return "byte " + hex(c) + " at position " + (i - from) + " never occurs in UTF-8";
            }
            for (int k = 1; k <= n; k++) {
                int next = i + k < to ? b[i + k] & 0xff : -1;
                boolean ok = k == 1 ? next >= min && next <= max : next >= 0x80 && next <= 0xbf;
                if (!ok) {
                    return "byte " + hex(c) + " at position " + (i - from) + " starts a "
                            + (next < 0x80 || next > 0xbf ? "truncated" : "malformed") + " sequence";
                }
            }
            i += n + 1;
        }
        return null;
    }

    private static String hex(int c) {
        return "0x" + Integer.toHexString(c);
    }
}
