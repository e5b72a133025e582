package io.streamtrain.nn;

/**
 * The output layer's activation and loss, computed on plain arrays of logits.
 *
 * <p>The head is done in Java rather than ND4J: it is a few operations per output unit, needs
 * the per-row loss and arg-max anyway, and for softmax the stable form
 * {@code L = logsumexp(z) - z_y} is exact where {@code -log(softmax(z)_y)} underflows.
 */
final class Head {
    /** Probabilities are clamped to [EPS, 1-EPS] inside logarithms of the sigmoid cross-entropy. */
    private static final double EPS = 1e-15;

    private Head() {}

    /**
     * Scores rows and writes dL/dz.
     *
     * @param arch the network
     * @param z logits, row-major (rows x K); left unchanged
     * @param labels class indices (classifiers) or targets (rows x K)
     * @param rows number of rows
     * @param dz receives dL/dz for every row (rows x K); may be null when only scoring
     * @param stats receives the loss sum and the number of correct predictions
     */
    static void score(Architecture arch, double[] z, float[] labels, int rows, double[] dz, BatchStats stats) {
        score(arch, z, labels, rows, dz, stats, null);
    }

    /**
     * As {@link #score(Architecture, double[], float[], int, double[], BatchStats)}, and also writes
     * each row's predicted class into {@code predicted} (classifiers; ignored when null).
     */
    static void score(Architecture arch, double[] z, float[] labels, int rows, double[] dz, BatchStats stats,
            int[] predicted) {
        int k = arch.outputs();
        double lossSum = 0;
        long correct = 0;
        for (int r = 0; r < rows; r++) {
            int base = r * k;
            switch (arch.output()) {
                case SOFTMAX: {
                    int y = (int) labels[r];
                    double max = Double.NEGATIVE_INFINITY;
                    int argmax = 0;
                    for (int j = 0; j < k; j++) {
                        if (z[base + j] > max) {
                            max = z[base + j];
                            argmax = j;
                        }
                    }
                    double sum = 0;
                    for (int j = 0; j < k; j++) {
                        sum += Math.exp(z[base + j] - max);
                    }
                    // L = log sum_j e^{z_j} - z_y
                    lossSum += Math.log(sum) + max - z[base + y];
                    if (argmax == y) {
                        correct++;
                    }
                    if (predicted != null) {
                        predicted[r] = argmax;
                    }
                    if (dz != null) {
                        // dL/dz_j = p_j - [j == y]
                        for (int j = 0; j < k; j++) {
                            dz[base + j] = Math.exp(z[base + j] - max) / sum - (j == y ? 1 : 0);
                        }
                    }
                    break;
                }
                case SIGMOID: {
                    int y = (int) labels[r];
                    int predictedClass;
                    if (k == 1) {
                        predictedClass = z[base] > 0 ? 1 : 0;
                    } else {
                        predictedClass = 0;
                        for (int j = 1; j < k; j++) {
                            if (z[base + j] > z[base + predictedClass]) {
                                predictedClass = j;
                            }
                        }
                    }
                    if (predictedClass == y) {
                        correct++;
                    }
                    if (predicted != null) {
                        predicted[r] = predictedClass;
                    }
                    for (int j = 0; j < k; j++) {
                        double p = 1.0 / (1.0 + Math.exp(-z[base + j]));
                        double t = k == 1 ? y : (j == y ? 1 : 0);
                        if (arch.loss() == Loss.MSE) {
                            // L = 1/2 (p - t)^2, dL/dz = (p - t) p (1 - p)
                            lossSum += 0.5 * (p - t) * (p - t);
                            if (dz != null) {
                                dz[base + j] = (p - t) * p * (1 - p);
                            }
                        } else {
                            // L = -t log p - (1 - t) log(1 - p), dL/dz = p - t
                            double pc = Math.min(Math.max(p, EPS), 1 - EPS);
                            lossSum += -(t * Math.log(pc) + (1 - t) * Math.log(1 - pc));
                            if (dz != null) {
                                dz[base + j] = p - t;
                            }
                        }
                    }
                    break;
                }
                case IDENTITY: {
                    // L = 1/2 sum_j (z_j - t_j)^2, dL/dz = z - t
                    for (int j = 0; j < k; j++) {
                        double d = z[base + j] - labels[base + j];
                        lossSum += 0.5 * d * d;
                        if (dz != null) {
                            dz[base + j] = d;
                        }
                    }
                    break;
                }
                default:
                    throw new IllegalStateException("unsupported output " + arch.output());
            }
        }
        stats.add(rows, lossSum, correct);
    }

    /** Turns logits into what the model predicts: class probabilities, or the regression output. */
    static void toOutputs(Architecture arch, double[] z, int rows, double[] out) {
        int k = arch.outputs();
        for (int r = 0; r < rows; r++) {
            int base = r * k;
            switch (arch.output()) {
                case SOFTMAX: {
                    double max = Double.NEGATIVE_INFINITY;
                    for (int j = 0; j < k; j++) {
                        max = Math.max(max, z[base + j]);
                    }
                    double sum = 0;
                    for (int j = 0; j < k; j++) {
                        out[base + j] = Math.exp(z[base + j] - max);
                        sum += out[base + j];
                    }
                    for (int j = 0; j < k; j++) {
                        out[base + j] /= sum;
                    }
                    break;
                }
                case SIGMOID:
                    for (int j = 0; j < k; j++) {
                        out[base + j] = 1.0 / (1.0 + Math.exp(-z[base + j]));
                    }
                    break;
                default:
                    System.arraycopy(z, base, out, base, k);
            }
        }
    }

    /** The predicted class of one row of outputs (probabilities). */
    static int predictedClass(Architecture arch, double[] outputs, int base) {
        int k = arch.outputs();
        if (k == 1) {
            return outputs[base] > 0.5 ? 1 : 0;
        }
        int best = 0;
        for (int j = 1; j < k; j++) {
            if (outputs[base + j] > outputs[base + best]) {
                best = j;
            }
        }
        return best;
    }
}
