package io.streamtrain.data;

import java.io.Serializable;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * What a parsed row must look like, whatever its format: how many features and label values, the
 * classes (by index, or by name), the scale applied to features, and the limits a row must keep.
 */
public final class RowSchema implements Serializable {
    private static final long serialVersionUID = 1L;

    private final int features;
    private final int labelWidth;
    private final int classes;
    private final List<String> classNames;
    private final double featureScale;
    private final double maxAbsValue;
    private final int maxRowBytes;
    private final byte[][] classNameBytes;

    /**
     * @param classes number of classes of a classifier (its labels are one class index per row), 0
     *     for regression (its labels are {@code labelWidth} numbers)
     * @param classNames empty: labels are class indices; else the name of every class, in index order
     * @param featureScale every parsed feature is multiplied by this (e.g. 1/255 for pixels)
     * @param maxAbsValue values whose magnitude is beyond this are rejected (before scaling)
     * @param maxRowBytes rows longer than this are rejected unread
     */
    public RowSchema(int features, int labelWidth, int classes, List<String> classNames, double featureScale,
            double maxAbsValue, int maxRowBytes) {
        if (!classNames.isEmpty() && classNames.size() != classes) {
            throw new IllegalArgumentException(classNames.size() + " class names for " + classes + " classes");
        }
        this.features = features;
        this.labelWidth = labelWidth;
        this.classes = classes;
        this.classNames = List.copyOf(classNames);
        this.featureScale = featureScale;
        this.maxAbsValue = maxAbsValue;
        this.maxRowBytes = maxRowBytes;
        this.classNameBytes = new byte[classNames.size()][];
        for (int i = 0; i < classNames.size(); i++) {
            classNameBytes[i] = classNames.get(i).getBytes(StandardCharsets.UTF_8);
        }
    }

    /** A classifier's schema with class indices, scale 1: the seed data's. */
    public static RowSchema classIndices(int features, int classes, double maxAbsValue, int maxRowBytes) {
        return new RowSchema(features, 1, classes, List.of(), 1.0, maxAbsValue, maxRowBytes);
    }

    public int features() {
        return features;
    }

    public int labelWidth() {
        return labelWidth;
    }

    public boolean classifier() {
        return classes > 0;
    }

    public int classes() {
        return classes;
    }

    /** Names of the classes in index order; empty when labels are class indices. */
    public List<String> classNames() {
        return classNames;
    }

    public boolean namedClasses() {
        return classNameBytes.length > 0;
    }

    public double featureScale() {
        return featureScale;
    }

    public double maxAbsValue() {
        return maxAbsValue;
    }

    public int maxRowBytes() {
        return maxRowBytes;
    }

    /** The index of the class named by the UTF-8 bytes {@code [from, to)}, or -1. */
    int classIndex(byte[] text, int from, int to) {
        int len = to - from;
        for (int c = 0; c < classNameBytes.length; c++) {
            byte[] name = classNameBytes[c];
            if (name.length == len && java.util.Arrays.equals(name, 0, len, text, from, to)) {
                return c;
            }
        }
        return -1;
    }

    /** The index of the class named by the characters {@code [offset, offset + len)}, or -1. */
    int classIndex(char[] text, int offset, int len) {
        for (int c = 0; c < classNames.size(); c++) {
            String name = classNames.get(c);
            if (name.length() == len && sameChars(name, text, offset)) {
                return c;
            }
        }
        return -1;
    }

    private static boolean sameChars(String name, char[] text, int offset) {
        for (int i = 0; i < name.length(); i++) {
            if (name.charAt(i) != text[offset + i]) {
                return false;
            }
        }
        return true;
    }

    /** Describes the allowed labels, for reasons. */
    String labelsAllowed() {
        return namedClasses()
                ? "one of data.classes " + classNames
                : "a class index in [0, " + classes + ")";
    }
}
