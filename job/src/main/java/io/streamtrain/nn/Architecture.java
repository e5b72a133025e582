package io.streamtrain.nn;

import java.io.Serializable;
import java.util.Arrays;
import java.util.stream.Collectors;

/**
 * The shape of a dense network: layer sizes (input first, output last), the hidden activation,
 * the output activation and the loss.
 *
 * <p>All parameters live in one flat vector, layer after layer: {@code W1, b1, W2, b2, ...}, where
 * {@code W_l} is stored row-major with shape (n_{l-1}, n_l), so {@code W_l[i][j]} is the weight from
 * unit i of layer l-1 to unit j of layer l, and a layer computes {@code z = a_prev W + b}.
 */
public final class Architecture implements Serializable {
    private static final long serialVersionUID = 1L;

    private final int[] sizes;
    private final Activation hidden;
    private final Activation output;
    private final Loss loss;
    private final int[] weightOffsets;
    private final int[] biasOffsets;
    private final int parameterCount;

    public Architecture(int[] sizes, Activation hidden, Activation output, Loss loss) {
        if (sizes.length < 2) {
            throw new IllegalArgumentException(
                    "a network needs at least an input and an output size, got " + Arrays.toString(sizes));
        }
        for (int s : sizes) {
            if (s < 1) {
                throw new IllegalArgumentException("layer sizes must be positive, got " + Arrays.toString(sizes));
            }
        }
        if (hidden == Activation.SOFTMAX) {
            throw new IllegalArgumentException("softmax is an output activation, not a hidden one");
        }
        if (output == Activation.SOFTMAX && loss != Loss.CROSS_ENTROPY) {
            throw new IllegalArgumentException("a softmax output goes with the cross-entropy loss");
        }
        if (output == Activation.IDENTITY && loss != Loss.MSE) {
            throw new IllegalArgumentException("a linear (identity) output goes with the mse loss");
        }
        if (output == Activation.RELU || output == Activation.TANH) {
            throw new IllegalArgumentException(
                    "the output activation must be softmax, sigmoid or identity, got " + output.configName());
        }
        if (output == Activation.SOFTMAX && sizes[sizes.length - 1] < 2) {
            throw new IllegalArgumentException("a softmax output needs at least 2 units");
        }
        this.sizes = sizes.clone();
        this.hidden = hidden;
        this.output = output;
        this.loss = loss;
        int layers = sizes.length - 1;
        this.weightOffsets = new int[layers];
        this.biasOffsets = new int[layers];
        long offset = 0;
        for (int l = 0; l < layers; l++) {
            weightOffsets[l] = (int) offset;
            offset += (long) sizes[l] * sizes[l + 1];
            biasOffsets[l] = (int) offset;
            offset += sizes[l + 1];
            if (offset > Integer.MAX_VALUE - 8) {
                throw new IllegalArgumentException("the network has more than 2^31 parameters");
            }
        }
        this.parameterCount = (int) offset;
    }

    /** The seed network of the SQL reference: 2 inputs, 2 ReLU units, 2 softmax outputs. */
    public static Architecture seed() {
        return new Architecture(new int[] {2, 2, 2}, Activation.RELU, Activation.SOFTMAX, Loss.CROSS_ENTROPY);
    }

    public int[] sizes() {
        return sizes.clone();
    }

    public int size(int layer) {
        return sizes[layer];
    }

    /** Number of weight layers (sizes minus one). */
    public int layers() {
        return sizes.length - 1;
    }

    public int inputs() {
        return sizes[0];
    }

    public int outputs() {
        return sizes[sizes.length - 1];
    }

    public Activation hidden() {
        return hidden;
    }

    public Activation output() {
        return output;
    }

    public Loss loss() {
        return loss;
    }

    /** Whether rows carry a class index (softmax or sigmoid output) rather than real-valued targets. */
    public boolean isClassifier() {
        return output != Activation.IDENTITY;
    }

    /** Number of distinct classes: the output size, or 2 for a single sigmoid unit. */
    public int classes() {
        return isClassifier() && outputs() == 1 ? 2 : outputs();
    }

    /** Floats per row in a label array: 1 (a class index) for classifiers, else one per output. */
    public int labelWidth() {
        return isClassifier() ? 1 : outputs();
    }

    public int parameterCount() {
        return parameterCount;
    }

    /** Multiply-adds of one row's forward pass: the sum over weight layers of fan-in x fan-out. */
    public long multiplyAddsPerRow() {
        long n = 0;
        for (int l = 0; l < layers(); l++) {
            n += (long) sizes[l] * sizes[l + 1];
        }
        return n;
    }

    /** Offset of W_l (0-based weight layer l) in the flat parameter vector. */
    public int weightOffset(int layer) {
        return weightOffsets[layer];
    }

    /** Offset of b_l (0-based weight layer l) in the flat parameter vector. */
    public int biasOffset(int layer) {
        return biasOffsets[layer];
    }

    /** Activation of weight layer l (0-based): the hidden one, or the output one for the last layer. */
    public Activation activation(int layer) {
        return layer == layers() - 1 ? output : hidden;
    }

    /** True where the flat index is a weight (L2 applies), false where it is a bias. */
    public boolean[] weightMask() {
        boolean[] mask = new boolean[parameterCount];
        for (int l = 0; l < layers(); l++) {
            Arrays.fill(mask, weightOffsets[l], biasOffsets[l], true);
        }
        return mask;
    }

    @Override
    public boolean equals(Object o) {
        if (!(o instanceof Architecture)) {
            return false;
        }
        Architecture that = (Architecture) o;
        return Arrays.equals(sizes, that.sizes) && hidden == that.hidden && output == that.output && loss == that.loss;
    }

    @Override
    public int hashCode() {
        return 31 * Arrays.hashCode(sizes) + hidden.hashCode() * 7 + output.hashCode() * 3 + loss.hashCode();
    }

    @Override
    public String toString() {
        // without a hidden layer the hidden activation plays no part
        return Arrays.stream(sizes).mapToObj(Integer::toString).collect(Collectors.joining("-"))
                + " " + (layers() > 1 ? hidden.configName() + "/" : "") + output.configName() + "/" + loss.configName();
    }
}
