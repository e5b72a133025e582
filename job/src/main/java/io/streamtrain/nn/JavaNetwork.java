package io.streamtrain.nn;

/**
 * Forward and backward passes of a dense network in plain Java loops, in double precision.
 *
 * <p>Written by hand because ND4J costs 6-10 µs per call whatever the size (see STACK.md's
 * measurements): a 2-2-2 network's whole batch of 64 rows is less arithmetic than one such call,
 * so for small networks these loops are several times faster than the same passes on ND4J. Loops
 * run with the unit-stride index innermost so that the JIT can vectorise them.
 *
 * <p>Per weight layer l (0-based), with A_{-1} = X, row-major batches:
 * <pre>
 *   forward:   Z_l = A_{l-1} W_l + b_l,   A_l = f_l(Z_l)
 *   backward:  dW_l = A_{l-1}^T D_l,   db_l = sum_rows D_l,   D_{l-1} = (D_l W_l^T) * f'_{l-1}(A_{l-1})
 * </pre>
 * where D_L = dL/dZ_L comes from the {@link Head}. Gradients are sums over the rows of the batch.
 */
public final class JavaNetwork implements Network {
    private final Architecture arch;
    private final int layers;
    private final double[] theta;
    private final BatchStats stats = new BatchStats();

    private int capacity;
    private int[] predicted;
    private double[] input;
    /** activations[l]: output of weight layer l, rows x n_{l+1} (the logits for the last layer). */
    private double[][] activations;
    /** deltas[l]: dL/dZ_l, rows x n_{l+1}. */
    private double[][] deltas;

    public JavaNetwork(Architecture arch, int batchCapacity) {
        this.arch = arch;
        this.layers = arch.layers();
        this.theta = new double[arch.parameterCount()];
        allocate(Math.max(1, batchCapacity));
    }

    private void allocate(int rows) {
        capacity = rows;
        input = new double[rows * arch.inputs()];
        activations = new double[layers][];
        deltas = new double[layers][];
        for (int l = 0; l < layers; l++) {
            activations[l] = new double[rows * arch.size(l + 1)];
            deltas[l] = new double[rows * arch.size(l + 1)];
        }
    }

    @Override
    public Architecture architecture() {
        return arch;
    }

    @Override
    public void setParameters(double[] params) {
        if (params.length != theta.length) {
            throw new IllegalArgumentException(
                    "expected " + theta.length + " parameters for " + arch + ", got " + params.length);
        }
        System.arraycopy(params, 0, theta, 0, params.length);
    }

    @Override
    public BatchStats gradient(float[] x, float[] labels, int rows, double[] gradientSum) {
        forward(x, rows);
        stats.reset();
        Head.score(arch, activations[layers - 1], labels, rows, deltas[layers - 1], stats);
        java.util.Arrays.fill(gradientSum, 0, theta.length, 0.0);
        for (int l = layers - 1; l >= 0; l--) {
            int in = arch.size(l);
            int out = arch.size(l + 1);
            int w = arch.weightOffset(l);
            int b = arch.biasOffset(l);
            double[] d = deltas[l];
            double[] aPrev = l == 0 ? input : activations[l - 1];
            for (int r = 0; r < rows; r++) {
                int dr = r * out;
                int ar = r * in;
                // db_l += D_l[r]
                for (int j = 0; j < out; j++) {
                    gradientSum[b + j] += d[dr + j];
                }
                // dW_l[i][j] += A_{l-1}[r][i] D_l[r][j]
                for (int i = 0; i < in; i++) {
                    double a = aPrev[ar + i];
                    if (a != 0) {
                        int wi = w + i * out;
                        for (int j = 0; j < out; j++) {
                            gradientSum[wi + j] += a * d[dr + j];
                        }
                    }
                }
            }
            if (l > 0) {
                double[] dPrev = deltas[l - 1];
                Activation f = arch.hidden();
                for (int r = 0; r < rows; r++) {
                    int dr = r * out;
                    int pr = r * in;
                    for (int i = 0; i < in; i++) {
                        double a = aPrev[pr + i];
                        double derivative = f.derivativeFromOutput(a);
                        if (derivative == 0) {
                            dPrev[pr + i] = 0;
                            continue;
                        }
                        // D_{l-1}[r][i] = (sum_j D_l[r][j] W_l[i][j]) f'(A_{l-1}[r][i])
                        int wi = w + i * out;
                        double s = 0;
                        for (int j = 0; j < out; j++) {
                            s += d[dr + j] * theta[wi + j];
                        }
                        dPrev[pr + i] = s * derivative;
                    }
                }
            }
        }
        return stats;
    }

    @Override
    public BatchStats score(float[] x, float[] labels, int rows) {
        forward(x, rows);
        stats.reset();
        Head.score(arch, activations[layers - 1], labels, rows, null, stats);
        return stats;
    }

    @Override
    public void evaluate(float[] x, float[] labels, int rows, Evaluation evaluation) {
        forward(x, rows);
        stats.reset();
        if (predicted == null || predicted.length < rows) {
            predicted = new int[Math.max(rows, capacity)];
        }
        Head.score(arch, activations[layers - 1], labels, rows, null, stats, arch.isClassifier() ? predicted : null);
        evaluation.add(stats, labels, predicted);
    }

    @Override
    public void predict(float[] x, int rows, double[] outputs) {
        forward(x, rows);
        Head.toOutputs(arch, activations[layers - 1], rows, outputs);
    }

    private void forward(float[] x, int rows) {
        if (rows > capacity) {
            allocate(rows);
        }
        int n = rows * arch.inputs();
        for (int i = 0; i < n; i++) {
            input[i] = x[i];
        }
        double[] a = input;
        for (int l = 0; l < layers; l++) {
            int in = arch.size(l);
            int out = arch.size(l + 1);
            int w = arch.weightOffset(l);
            int b = arch.biasOffset(l);
            double[] z = activations[l];
            for (int r = 0; r < rows; r++) {
                int zr = r * out;
                int ar = r * in;
                // Z_l[r] = b_l + sum_i A_{l-1}[r][i] W_l[i]
                System.arraycopy(theta, b, z, zr, out);
                for (int i = 0; i < in; i++) {
                    double ai = a[ar + i];
                    if (ai != 0) {
                        int wi = w + i * out;
                        for (int j = 0; j < out; j++) {
                            z[zr + j] += ai * theta[wi + j];
                        }
                    }
                }
            }
            if (l < layers - 1) {
                Activation f = arch.hidden();
                if (f != Activation.IDENTITY) {
                    int m = rows * out;
                    for (int i = 0; i < m; i++) {
                        z[i] = f.apply(z[i]);
                    }
                }
            }
            a = z;
        }
    }
}
