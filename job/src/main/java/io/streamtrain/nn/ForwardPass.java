package io.streamtrain.nn;

/**
 * A plain-Java, double-precision forward pass over a flat parameter vector: the scorer of stored
 * snapshots (held-out evaluation, and the reference the SQL scorer is checked against).
 */
public final class ForwardPass {
    private final Architecture arch;
    private final double[] params;
    private final double[][] layerOut;

    public ForwardPass(Architecture arch, double[] params) {
        if (params.length != arch.parameterCount()) {
            throw new IllegalArgumentException(
                    "expected " + arch.parameterCount() + " parameters for " + arch + ", got " + params.length);
        }
        this.arch = arch;
        this.params = params.clone();
        this.layerOut = new double[arch.layers()][];
        for (int l = 0; l < arch.layers(); l++) {
            layerOut[l] = new double[arch.size(l + 1)];
        }
    }

    /** Outputs (class probabilities, or regression values) for one row; the array is reused. */
    public double[] outputs(float[] x, int offset) {
        double[] prev = null;
        for (int l = 0; l < arch.layers(); l++) {
            int in = arch.size(l);
            int out = arch.size(l + 1);
            int w = arch.weightOffset(l);
            int b = arch.biasOffset(l);
            double[] z = layerOut[l];
            for (int j = 0; j < out; j++) {
                double s = params[b + j];
                for (int i = 0; i < in; i++) {
                    double xi = l == 0 ? x[offset + i] : prev[i];
                    s += xi * params[w + i * out + j];
                }
                z[j] = s;
            }
            if (l < arch.layers() - 1) {
                for (int j = 0; j < out; j++) {
                    z[j] = arch.hidden().apply(z[j]);
                }
            }
            prev = z;
        }
        double[] last = layerOut[arch.layers() - 1];
        Head.toOutputs(arch, last, 1, last);
        return last;
    }

    /** The predicted class of one row. */
    public int predict(float[] x, int offset) {
        return Head.predictedClass(arch, outputs(x, offset), 0);
    }

    /** Accuracy over {@code rows} rows with one class index per row in {@code labels}. */
    public double accuracy(float[] x, float[] labels, int rows) {
        long correct = 0;
        for (int r = 0; r < rows; r++) {
            if (predict(x, r * arch.inputs()) == (int) labels[r]) {
                correct++;
            }
        }
        return rows == 0 ? Double.NaN : (double) correct / rows;
    }
}
