package io.streamtrain.nn;

import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.impl.transforms.gradient.ThresholdReluBp;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;
import org.nd4j.linalg.ops.transforms.Transforms;

/**
 * Forward and backward passes of a dense network on mini-batch matrices with ND4J.
 *
 * <p>Every array is allocated once for a batch capacity and reused: each ND4J call costs a few
 * microseconds whatever its size, so the passes work in place ({@code gemm} into existing
 * arrays, activations with {@code dup = false}). One instance per thread; not thread-safe.
 *
 * <p>Per weight layer l (0-based), with A_{-1} = X:
 * <pre>
 *   forward:   Z_l = A_{l-1} W_l + b_l,   A_l = f_l(Z_l)
 *   backward:  dW_l = A_{l-1}^T D_l,   db_l = sum_rows D_l,   D_{l-1} = (D_l W_l^T) * f'_{l-1}(A_{l-1})
 * </pre>
 * where D_L = dL/dZ_L comes from the {@link Head}. Gradients are sums over the rows of the batch.
 */
public final class DenseNetwork implements Network {
    private final Architecture arch;
    private final DataType dtype;
    private final int layers;

    private final INDArray theta;
    private final INDArray[] weights;
    private final INDArray[] biases;
    private final INDArray grad;
    private final INDArray[] weightGrads;
    private final INDArray[] biasGrads;

    private int capacity;
    private INDArray input;
    /** activations[l]: output of weight layer l (the logits for the last layer). */
    private INDArray[] activations;
    /** deltas[l]: dL/dZ_l. */
    private INDArray[] deltas;
    /** scratch[l]: room for f'(A_l) where it is not a single op. */
    private INDArray[] scratch;

    private double[] doubleScratch;
    private float[] floatScratch;
    private double[] logits;
    private double[] dLogits;
    private final BatchStats stats = new BatchStats();
    private int[] predicted;

    public DenseNetwork(Architecture arch, DataType dtype, int batchCapacity) {
        if (dtype != DataType.FLOAT && dtype != DataType.DOUBLE) {
            throw new IllegalArgumentException("dtype must be FLOAT or DOUBLE, got " + dtype);
        }
        this.arch = arch;
        this.dtype = dtype;
        this.layers = arch.layers();
        int p = arch.parameterCount();
        this.theta = Nd4j.create(dtype, p);
        this.grad = Nd4j.create(dtype, p);
        this.weights = new INDArray[layers];
        this.biases = new INDArray[layers];
        this.weightGrads = new INDArray[layers];
        this.biasGrads = new INDArray[layers];
        for (int l = 0; l < layers; l++) {
            int in = arch.size(l);
            int out = arch.size(l + 1);
            int w = arch.weightOffset(l);
            int b = arch.biasOffset(l);
            weights[l] = theta.get(NDArrayIndex.interval(w, w + in * out)).reshape('c', in, out);
            biases[l] = theta.get(NDArrayIndex.interval(b, b + out)).reshape('c', 1, out);
            weightGrads[l] = grad.get(NDArrayIndex.interval(w, w + in * out)).reshape('c', in, out);
            biasGrads[l] = grad.get(NDArrayIndex.interval(b, b + out)).reshape('c', 1, out);
        }
        this.floatScratch = new float[p];
        this.doubleScratch = new double[p];
        allocate(Math.max(1, batchCapacity));
    }

    private void allocate(int rows) {
        capacity = rows;
        input = Nd4j.create(dtype, rows, arch.inputs());
        activations = new INDArray[layers];
        deltas = new INDArray[layers];
        scratch = new INDArray[layers];
        for (int l = 0; l < layers; l++) {
            int out = arch.size(l + 1);
            activations[l] = Nd4j.create(dtype, rows, out);
            deltas[l] = Nd4j.create(dtype, rows, out);
            if (l < layers - 1 && arch.hidden() != Activation.RELU && arch.hidden() != Activation.IDENTITY) {
                scratch[l] = Nd4j.create(dtype, rows, out);
            }
        }
        int largest = Math.max(arch.parameterCount(), rows * Math.max(arch.inputs(), arch.outputs()));
        if (floatScratch == null || floatScratch.length < largest) {
            floatScratch = new float[largest];
            doubleScratch = new double[largest];
        }
        logits = new double[rows * arch.outputs()];
        dLogits = new double[rows * arch.outputs()];
    }

    public Architecture architecture() {
        return arch;
    }

    /** Loads a flat parameter vector (layout of {@link Architecture}). */
    public void setParameters(double[] params) {
        if (params.length != arch.parameterCount()) {
            throw new IllegalArgumentException(
                    "expected " + arch.parameterCount() + " parameters for " + arch + ", got " + params.length);
        }
        NdArrays.put(theta, params, params.length, floatScratch);
    }

    /**
     * Scores a batch with the current parameters (prequential: before they learn from it) and
     * computes the gradient of the summed loss.
     *
     * @param x features, row-major, {@code rows x inputs}, starting at index 0
     * @param labels class indices or targets, {@code rows x labelWidth}
     * @param rows rows in the batch
     * @param gradientSum receives d(sum of row losses)/d(theta), flat layout
     * @return the batch's loss sum and correct count; the returned object is reused by the next call
     */
    public BatchStats gradient(float[] x, float[] labels, int rows, double[] gradientSum) {
        forward(x, rows);
        stats.reset();
        int k = arch.outputs();
        Head.score(arch, logits, labels, rows, dLogits, stats);
        putRows(deltas[layers - 1], dLogits, rows * k);
        for (int l = layers - 1; l >= 0; l--) {
            INDArray d = rows(deltas[l], rows);
            INDArray aPrev = l == 0 ? rows(input, rows) : rows(activations[l - 1], rows);
            // dW_l = A_{l-1}^T D_l
            Nd4j.gemm(aPrev, d, weightGrads[l], true, false, 1.0, 0.0);
            // db_l = sum over rows of D_l
            d.sum(biasGrads[l], 0);
            if (l > 0) {
                INDArray dPrev = rows(deltas[l - 1], rows);
                // D_{l-1} = (D_l W_l^T) * f'(A_{l-1})
                Nd4j.gemm(d, weights[l], dPrev, false, true, 1.0, 0.0);
                multiplyByDerivative(arch.hidden(), aPrev, dPrev, l - 1, rows);
            }
        }
        NdArrays.get(grad, gradientSum, arch.parameterCount(), floatScratch);
        return stats;
    }

    /** Scores a batch without computing gradients. */
    public BatchStats score(float[] x, float[] labels, int rows) {
        forward(x, rows);
        stats.reset();
        Head.score(arch, logits, labels, rows, null, stats);
        return stats;
    }

    /**
     * Scores a batch without computing gradients and adds it to {@code evaluation}: loss, and for
     * classifiers each row's predicted class against its label.
     */
    @Override
    public void evaluate(float[] x, float[] labels, int rows, Evaluation evaluation) {
        forward(x, rows);
        stats.reset();
        if (predicted == null || predicted.length < rows) {
            predicted = new int[Math.max(rows, capacity)];
        }
        Head.score(arch, logits, labels, rows, null, stats, arch.isClassifier() ? predicted : null);
        evaluation.add(stats, labels, predicted);
    }

    /** Writes the model's outputs (class probabilities, or regression values) for a batch. */
    public void predict(float[] x, int rows, double[] outputs) {
        forward(x, rows);
        Head.toOutputs(arch, logits, rows, outputs);
    }

    /** Runs the forward pass and leaves the logits of {@code rows} rows in {@link #logits}. */
    private void forward(float[] x, int rows) {
        if (rows > capacity) {
            allocate(rows);
        }
        NdArrays.put(input, x, 0, rows * arch.inputs(), doubleScratch);
        INDArray a = rows(input, rows);
        for (int l = 0; l < layers; l++) {
            INDArray z = rows(activations[l], rows);
            // Z_l = A_{l-1} W_l + b_l
            Nd4j.gemm(a, weights[l], z, false, false, 1.0, 0.0);
            z.addiRowVector(biases[l]);
            if (l < layers - 1) {
                activate(arch.hidden(), z);
            }
            a = z;
        }
        int k = arch.outputs();
        NdArrays.get(activations[layers - 1], logits, rows * k, floatScratch);
    }

    private static void activate(Activation f, INDArray z) {
        switch (f) {
            case RELU:
                Transforms.relu(z, false);
                break;
            case SIGMOID:
                Transforms.sigmoid(z, false);
                break;
            case TANH:
                Transforms.tanh(z, false);
                break;
            case IDENTITY:
                break;
            default:
                throw new IllegalStateException(f + " is not a hidden activation");
        }
    }

    /** delta *= f'(a), element-wise, in place. */
    private void multiplyByDerivative(Activation f, INDArray a, INDArray delta, int layer, int rows) {
        switch (f) {
            case RELU:
                // f'(z) = [a > 0]
                Nd4j.exec(new ThresholdReluBp(a, delta, delta, 0.0));
                break;
            case SIGMOID: {
                // f'(z) = a (1 - a)
                INDArray s = rows(scratch[layer], rows);
                s.assign(a).rsubi(1.0).muli(a);
                delta.muli(s);
                break;
            }
            case TANH: {
                // f'(z) = 1 - a^2
                INDArray s = rows(scratch[layer], rows);
                s.assign(a).muli(a).rsubi(1.0);
                delta.muli(s);
                break;
            }
            case IDENTITY:
                break;
            default:
                throw new IllegalStateException(f + " is not a hidden activation");
        }
    }

    private void putRows(INDArray dst, double[] values, int length) {
        NdArrays.put(dst, values, length, floatScratch);
    }

    /** The first {@code rows} rows of a batch buffer; the buffer itself when it is full. */
    private INDArray rows(INDArray buffer, int rows) {
        return rows == buffer.rows() ? buffer : buffer.get(NDArrayIndex.interval(0, rows), NDArrayIndex.all());
    }
}
