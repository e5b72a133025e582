package io.streamtrain.nn;

import io.streamtrain.compute.ComputeBackend;
import org.nd4j.linalg.api.buffer.DataType;

/**
 * Plain mini-batch gradient descent in memory, with the same network code and update rule as the
 * streaming job and no Flink: the ground truth the job is tested against, and the compute ceiling
 * of the benchmarks.
 */
public final class ReferenceTrainer {
    private final Network network;
    private final UpdateRule rule;
    private final double[] theta;
    private final double[] state;
    private final double[] gradient;
    private final double[] batchGradient;
    private final BatchStats total = new BatchStats();
    private long step;

    public ReferenceTrainer(Architecture arch, UpdateRule rule, double[] initial, DataType dtype, int batchCapacity) {
        this.network = Kernel.AUTO.create(arch, dtype, batchCapacity);
        this.rule = rule;
        this.theta = initial.clone();
        this.state = new double[rule.stateSize()];
        this.gradient = new double[arch.parameterCount()];
        this.batchGradient = new double[arch.parameterCount()];
    }

    /**
     * A trainer on the given ND4J backend, checked first ({@link ComputeBackend#require}): a
     * compute-ceiling benchmark asked to run on the GPU fails rather than quietly measuring the CPU.
     */
    public static ReferenceTrainer on(ComputeBackend.Choice backend, Architecture arch, UpdateRule rule,
            double[] initial, DataType dtype, int batchCapacity) {
        ComputeBackend.require(backend, "reference trainer");
        return new ReferenceTrainer(arch, rule, initial, dtype, batchCapacity);
    }

    /** One update from one batch; returns the batch's prequential stats (scored before the update). */
    public BatchStats step(float[] x, float[] labels, int rows) {
        java.util.Arrays.fill(gradient, 0);
        accumulate(x, labels, rows);
        apply(rows);
        return total;
    }

    /**
     * Adds one batch's summed gradient (at the current parameters) without updating; several
     * calls followed by {@link #apply} are one update over the union of the batches.
     */
    public void accumulate(float[] x, float[] labels, int rows) {
        network.setParameters(theta);
        BatchStats s = network.gradient(x, labels, rows, batchGradient);
        total.add(s.rows(), s.lossSum(), s.correct());
        for (int i = 0; i < gradient.length; i++) {
            gradient[i] += batchGradient[i];
        }
    }

    /**
     * Applies the accumulated gradient of {@code rows} rows and clears it. A refused update
     * does not count as a step, as in the streaming updater (Adam's bias correction uses it).
     */
    public boolean apply(long rows) {
        boolean applied = rule.apply(theta, gradient, rows, state, step + 1);
        if (applied) {
            step++;
        }
        java.util.Arrays.fill(gradient, 0);
        return applied;
    }

    public double[] parameters() {
        return theta.clone();
    }

    public long steps() {
        return step;
    }

    /** Prequential totals over every batch seen. */
    public BatchStats prequential() {
        return total;
    }
}
