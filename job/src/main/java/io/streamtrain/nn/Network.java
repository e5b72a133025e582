package io.streamtrain.nn;

/**
 * A dense network that scores mini-batches and computes the gradient of their summed loss over a
 * flat parameter vector (layout of {@link Architecture}). One instance per thread; not
 * thread-safe. Implementations: {@link DenseNetwork} (ND4J, for networks whose matrix products
 * are large enough to amortise a native call) and {@link JavaNetwork} (plain Java loops, for
 * small networks, where ND4J's per-call cost dominates).
 */
public interface Network {

    Architecture architecture();

    /** Loads a flat parameter vector. */
    void setParameters(double[] params);

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
    BatchStats gradient(float[] x, float[] labels, int rows, double[] gradientSum);

    /** Scores a batch without computing gradients; the returned object is reused by the next call. */
    BatchStats score(float[] x, float[] labels, int rows);

    /** Scores a batch and adds its loss, predictions and confusion counts to {@code evaluation}. */
    void evaluate(float[] x, float[] labels, int rows, Evaluation evaluation);

    /** Writes the model's outputs (class probabilities, or regression values) for a batch. */
    void predict(float[] x, int rows, double[] outputs);
}
