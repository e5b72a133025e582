package io.streamtrain.compute;

import org.nd4j.linalg.factory.Nd4j;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps ND4J to one thread per calling operator: Flink's parallelism gives the cores. Both of
 * ND4J's thread pools need it: libnd4j's own loops ({@code Environment.setMaxThreads}) and the
 * BLAS library's, which otherwise follows {@code OMP_NUM_THREADS} or the core count. On a
 * TaskManager whose slots each run a gradient worker, every worker's matrix products would then
 * start as many BLAS threads as there are cores: at parallelism 2 on 2 cores with
 * {@code OMP_NUM_THREADS=2} the fashion benchmark's job ran at 14,938 rows/s and 128 CPU-seconds
 * per million rows, and at 26,698 rows/s and 66 with one BLAS thread per worker.
 */
public final class OneThread {
    private static final Logger LOG = LoggerFactory.getLogger(OneThread.class);

    private OneThread() {}

    /** Sets both pools to one thread (process-wide for BLAS: every operator of a TaskManager wants the same). */
    public static void forNd4j() {
        Nd4j.getEnvironment().setMaxThreads(1);
        try {
            if (Nd4j.factory().blas().getMaxThreads() != 1) {
                Nd4j.factory().blas().setMaxThreads(1);
            }
        } catch (RuntimeException | UnsatisfiedLinkError e) {
            // a backend without a thread setting (a GPU's BLAS runs on the device)
            LOG.debug("BLAS threads not set: {}", e.toString());
        }
    }
}
