package io.streamtrain.nn;

/**
 * A model's scores on labelled rows, accumulated batch by batch: mean loss, and for classifiers
 * accuracy and the confusion matrix, from which precision, recall and F1 of class 1 follow for
 * two-class models.
 *
 * <pre>
 *   precision = TP / (TP + FP)    recall = TP / (TP + FN)    F1 = 2 TP / (2 TP + FP + FN)
 * </pre>
 *
 * with class 1 the positive class. A ratio whose denominator is 0 is NaN (unknown), never 0: a
 * model that predicts no positive has no precision yet.
 */
public final class Evaluation {
    private final Architecture arch;
    private final long[] confusion;
    private long rows;
    private double lossSum;
    private long correct;

    public Evaluation(Architecture arch) {
        this.arch = arch;
        this.confusion = arch.isClassifier() ? new long[arch.classes() * arch.classes()] : new long[0];
    }

    /** Adds a scored batch; {@code predicted} holds each row's predicted class (classifiers). */
    void add(BatchStats stats, float[] labels, int[] predicted) {
        int n = (int) stats.rows();
        rows += n;
        lossSum += stats.lossSum();
        correct += stats.correct();
        if (arch.isClassifier()) {
            int k = arch.classes();
            for (int r = 0; r < n; r++) {
                confusion[(int) labels[r] * k + predicted[r]]++;
            }
        }
    }

    public long rows() {
        return rows;
    }

    /** Number of classes of the confusion matrix; 0 for regression. */
    public int classes() {
        return arch.isClassifier() ? arch.classes() : 0;
    }

    /** Mean loss per row. */
    public double loss() {
        return rows == 0 ? Double.NaN : lossSum / rows;
    }

    /** Share of rows whose predicted class is the label; NaN for regression. */
    public double accuracy() {
        return rows == 0 || !arch.isClassifier() ? Double.NaN : (double) correct / rows;
    }

    /** Rows of class {@code actual} predicted as {@code predicted}. */
    public long confusion(int actual, int predicted) {
        return confusion[actual * arch.classes() + predicted];
    }

    /** Precision of class 1 for a two-class model, else NaN. */
    public double precision() {
        return twoClasses() ? ratio(confusion(1, 1), confusion(1, 1) + confusion(0, 1)) : Double.NaN;
    }

    /** Recall of class 1 for a two-class model, else NaN. */
    public double recall() {
        return twoClasses() ? ratio(confusion(1, 1), confusion(1, 1) + confusion(1, 0)) : Double.NaN;
    }

    /** F1 score of class 1 for a two-class model, else NaN. */
    public double f1() {
        return twoClasses()
                ? ratio(2 * confusion(1, 1), 2 * confusion(1, 1) + confusion(0, 1) + confusion(1, 0))
                : Double.NaN;
    }

    private boolean twoClasses() {
        return arch.isClassifier() && arch.classes() == 2;
    }

    private static double ratio(long numerator, long denominator) {
        return denominator == 0 ? Double.NaN : (double) numerator / denominator;
    }
}
