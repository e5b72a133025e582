package io.streamtrain.nn;

/** Plain stochastic gradient descent: theta -= eta * g. */
public final class Sgd implements Optimizer {
    private static final long serialVersionUID = 1L;

    @Override
    public int slots() {
        return 0;
    }

    @Override
    public void update(double[] theta, double[] g, double[] state, long step, double learningRate) {
        for (int i = 0; i < theta.length; i++) {
            theta[i] -= learningRate * g[i];
        }
    }

    @Override
    public String name() {
        return "sgd";
    }
}
