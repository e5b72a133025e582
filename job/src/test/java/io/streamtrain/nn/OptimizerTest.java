package io.streamtrain.nn;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.nd4j.linalg.api.buffer.DataType;

/**
 * The optimizers against independent scalar references written from the papers' formulas, by hand
 * on first steps, on a convex quadratic, across a state restore, and on the seed network.
 */
class OptimizerTest {

    private static final int N = 17;
    private static final int STEPS = 20;

    /** A straight-from-the-paper scalar implementation, with its state in separate arrays. */
    private interface Reference {
        void step(double[] theta, double[] g, long t, double eta);

        /** Its state laid out as the optimizer's flat array, to compare with. */
        double[] flatState();
    }

    /** Classical momentum (Polyak 1964) and Nesterov (Sutskever et al. 2013), PyTorch form. */
    private static final class MomentumReference implements Reference {
        final double mu;
        final boolean nesterov;
        final double[] velocity = new double[N];

        MomentumReference(double mu, boolean nesterov) {
            this.mu = mu;
            this.nesterov = nesterov;
        }

        @Override
        public void step(double[] theta, double[] g, long t, double eta) {
            for (int i = 0; i < theta.length; i++) {
                velocity[i] = mu * velocity[i] + g[i];
                double direction = nesterov ? g[i] + mu * velocity[i] : velocity[i];
                theta[i] = theta[i] - eta * direction;
            }
        }

        @Override
        public double[] flatState() {
            return velocity.clone();
        }
    }

    /** Duchi, Hazan, Singer 2011, diagonal. */
    private static final class AdaGradReference implements Reference {
        final double eps;
        final double[] sumSquares = new double[N];

        AdaGradReference(double eps) {
            this.eps = eps;
        }

        @Override
        public void step(double[] theta, double[] g, long t, double eta) {
            for (int i = 0; i < theta.length; i++) {
                sumSquares[i] = sumSquares[i] + Math.pow(g[i], 2);
                theta[i] = theta[i] - eta * g[i] / (Math.sqrt(sumSquares[i]) + eps);
            }
        }

        @Override
        public double[] flatState() {
            return sumSquares.clone();
        }
    }

    /** Tieleman and Hinton 2012, lecture 6.5. */
    private static final class RmsPropReference implements Reference {
        final double rho;
        final double eps;
        final double[] meanSquare = new double[N];

        RmsPropReference(double rho, double eps) {
            this.rho = rho;
            this.eps = eps;
        }

        @Override
        public void step(double[] theta, double[] g, long t, double eta) {
            for (int i = 0; i < theta.length; i++) {
                meanSquare[i] = rho * meanSquare[i] + (1 - rho) * Math.pow(g[i], 2);
                theta[i] = theta[i] - eta * g[i] / (Math.sqrt(meanSquare[i]) + eps);
            }
        }

        @Override
        public double[] flatState() {
            return meanSquare.clone();
        }
    }

    /** Kingma and Ba 2014, Algorithm 1; beta^t kept as a running product, not Math.pow. */
    private static final class AdamReference implements Reference {
        final double beta1;
        final double beta2;
        final double eps;
        final double[] m = new double[N];
        final double[] v = new double[N];
        double beta1PowT = 1;
        double beta2PowT = 1;
        long lastT = 0;

        AdamReference(double beta1, double beta2, double eps) {
            this.beta1 = beta1;
            this.beta2 = beta2;
            this.eps = eps;
        }

        @Override
        public void step(double[] theta, double[] g, long t, double eta) {
            assertThat(t).isEqualTo(lastT + 1);
            lastT = t;
            beta1PowT *= beta1;
            beta2PowT *= beta2;
            for (int i = 0; i < theta.length; i++) {
                m[i] = beta1 * m[i] + (1 - beta1) * g[i];
                v[i] = beta2 * v[i] + (1 - beta2) * Math.pow(g[i], 2);
                double mHat = m[i] / (1 - beta1PowT);
                double vHat = v[i] / (1 - beta2PowT);
                theta[i] = theta[i] - eta * mHat / (Math.sqrt(vHat) + eps);
            }
        }

        @Override
        public double[] flatState() {
            double[] s = new double[2 * N];
            System.arraycopy(m, 0, s, 0, N);
            System.arraycopy(v, 0, s, N, N);
            return s;
        }
    }

    private static final class SgdReference implements Reference {
        @Override
        public void step(double[] theta, double[] g, long t, double eta) {
            for (int i = 0; i < theta.length; i++) {
                theta[i] = theta[i] - eta * g[i];
            }
        }

        @Override
        public double[] flatState() {
            return new double[0];
        }
    }

    static Stream<Arguments> againstReferences() {
        return Stream.of(
                Arguments.of(new Sgd(), new SgdReference()),
                Arguments.of(new Momentum(0.9, false), new MomentumReference(0.9, false)),
                Arguments.of(new Momentum(0.5, true), new MomentumReference(0.5, true)),
                Arguments.of(new Momentum(0.99, true), new MomentumReference(0.99, true)),
                Arguments.of(new AdaGrad(1e-8), new AdaGradReference(1e-8)),
                Arguments.of(new AdaGrad(0.1), new AdaGradReference(0.1)),
                Arguments.of(new RmsProp(0.9, 1e-8), new RmsPropReference(0.9, 1e-8)),
                Arguments.of(new RmsProp(0.0, 1e-3), new RmsPropReference(0.0, 1e-3)),
                Arguments.of(new Adam(0.9, 0.999, 1e-8), new AdamReference(0.9, 0.999, 1e-8)),
                Arguments.of(new Adam(0.5, 0.75, 1e-4), new AdamReference(0.5, 0.75, 1e-4)),
                Arguments.of(new Adam(0.0, 0.0, 1e-8), new AdamReference(0.0, 0.0, 1e-8)));
    }

    /** A decaying and wobbling learning rate, so that a rate folded into the state would show. */
    private static double eta(long t) {
        return 0.05 / (1 + 0.1 * t) * (1 + 0.5 * Math.sin(t));
    }

    /** Gradients of varied signs and magnitudes (about 1e-3 to 1e3), some exactly 0. */
    private static double[] gradient(Random random) {
        double[] g = new double[N];
        for (int i = 0; i < N; i++) {
            g[i] = random.nextInt(10) == 0 ? 0 : random.nextGaussian() * Math.exp(2 * random.nextGaussian());
        }
        return g;
    }

    private static double[] initialTheta(long seed) {
        Random random = new Random(seed);
        double[] theta = new double[N];
        for (int i = 0; i < N; i++) {
            theta[i] = random.nextGaussian();
        }
        return theta;
    }

    /** |actual - expected| <= 1e-12 * |expected|, element by element (an exact 0 must stay 0). */
    private static void assertRelativelyClose(double[] actual, double[] expected, String what) {
        assertThat(actual).as(what).hasSameSizeAs(expected);
        for (int i = 0; i < expected.length; i++) {
            assertThat(Double.isFinite(actual[i])).as("%s[%d] finite", what, i).isTrue();
            assertThat(actual[i]).as("%s[%d]", what, i)
                    .isCloseTo(expected[i], within(1e-12 * Math.abs(expected[i])));
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("againstReferences")
    void matchesTheIndependentReferenceOverTwentySteps(Optimizer optimizer, Reference reference) {
        Random random = new Random(42);
        double[] theta = initialTheta(7);
        double[] expected = theta.clone();
        double[] state = new double[optimizer.slots() * N];
        for (long t = 1; t <= STEPS; t++) {
            double[] g = gradient(random);
            double[] gCopy = g.clone();
            optimizer.update(theta, g, state, t, eta(t));
            reference.step(expected, gCopy, t, eta(t));
            assertThat(g).as("the gradient is read, not written").containsExactly(gCopy);
            assertRelativelyClose(theta, expected, "theta at step " + t);
            assertRelativelyClose(state, reference.flatState(), "state at step " + t);
        }
        assertThat(theta).as("the parameters moved").isNotEqualTo(initialTheta(7));
    }

    @Test
    void adamFirstStepsByHand() {
        Adam adam = new Adam(0.9, 0.999, 1e-8);
        double[] theta = {1, -2, 0.5};
        double[] g = {0.3, -4, 1e-3};
        double[] state = new double[6];
        double eta = 0.01;
        adam.update(theta, g, state, 1, eta);
        // m = 0.1 g, v = 0.001 g^2; mhat = g, vhat = g^2: the step is eta * g / (|g| + eps) ~ eta * sign(g)
        assertThat(state[0]).isCloseTo(0.03, within(1e-15));
        assertThat(state[1]).isCloseTo(-0.4, within(1e-15));
        assertThat(state[2]).isCloseTo(1e-4, within(1e-18));
        assertThat(state[3]).isCloseTo(9e-5, within(1e-18));
        assertThat(state[4]).isCloseTo(0.016, within(1e-15));
        assertThat(state[5]).isCloseTo(1e-9, within(1e-22));
        // 0.01 * 0.3 / 0.30000001 = 0.00999999966666668; 0.01 * 4 / 4.00000001 = 0.0099999999750000;
        // 0.01 * 0.001 / 0.00100001 = 0.0099999000009999
        assertThat(theta[0]).isCloseTo(1 - 0.00999999966666668, within(1e-15));
        assertThat(theta[1]).isCloseTo(-2 + 0.0099999999750000, within(1e-15));
        assertThat(theta[2]).isCloseTo(0.5 - 0.0099999000009999, within(1e-15));

        // the same gradient again: m = 0.9*0.03 + 0.1*0.3 = 0.057, mhat = 0.057/0.19 = 0.3;
        // v = 0.999*9e-5 + 0.001*0.09 = 1.7991e-4, vhat = 1.7991e-4/0.001999 = 0.09: the same step
        double[] before = theta.clone();
        adam.update(theta, g, state, 2, eta);
        assertThat(state[0]).isCloseTo(0.057, within(1e-15));
        assertThat(state[3]).isCloseTo(1.7991e-4, within(1e-18));
        assertThat(before[0] - theta[0]).isCloseTo(0.00999999966666668, within(1e-15));
        assertThat(before[1] - theta[1]).isCloseTo(-0.0099999999750000, within(1e-15));
        assertThat(before[2] - theta[2]).isCloseTo(0.0099999000009999, within(1e-13));
    }

    @Test
    void adamFirstStepIsTheLearningRateTimesTheSignWhateverTheScale() {
        Adam adam = new Adam(0.9, 0.999, 1e-8);
        double[] g = {1e-2, -1, 1e3, -1e6};
        double[] theta = new double[4];
        adam.update(theta, g, new double[8], 1, 0.001);
        for (int i = 0; i < g.length; i++) {
            assertThat(theta[i]).isCloseTo(-0.001 * Math.signum(g[i]), within(0.001 * 1e-6));
        }
    }

    @Test
    void momentumStepsByHand() {
        // mu = 0.9, eta = 0.1, theta = 1; g = 2 then 1
        Momentum classical = new Momentum(0.9, false);
        double[] theta = {1};
        double[] v = new double[1];
        classical.update(theta, new double[] {2}, v, 1, 0.1);
        assertThat(v[0]).isCloseTo(2, within(1e-15)); // v = 0.9*0 + 2
        assertThat(theta[0]).isCloseTo(0.8, within(1e-15)); // 1 - 0.1*2
        classical.update(theta, new double[] {1}, v, 2, 0.1);
        assertThat(v[0]).isCloseTo(2.8, within(1e-15)); // 0.9*2 + 1
        assertThat(theta[0]).isCloseTo(0.52, within(1e-15)); // 0.8 - 0.1*2.8

        Momentum nesterov = new Momentum(0.9, true);
        theta = new double[] {1};
        v = new double[1];
        nesterov.update(theta, new double[] {2}, v, 1, 0.1);
        assertThat(v[0]).isCloseTo(2, within(1e-15));
        assertThat(theta[0]).isCloseTo(0.62, within(1e-15)); // 1 - 0.1*(2 + 0.9*2)
        nesterov.update(theta, new double[] {1}, v, 2, 0.1);
        assertThat(v[0]).isCloseTo(2.8, within(1e-15));
        assertThat(theta[0]).isCloseTo(0.268, within(1e-15)); // 0.62 - 0.1*(1 + 0.9*2.8)
    }

    @Test
    void adaGradAndRmsPropStepsByHand() {
        // AdaGrad, eps = 0.5, eta = 0.1: g = 2 -> G = 4, step 0.1*2/2.5 = 0.08; g = -3 -> G = 13
        AdaGrad adaGrad = new AdaGrad(0.5);
        double[] theta = {1};
        double[] acc = new double[1];
        adaGrad.update(theta, new double[] {2}, acc, 1, 0.1);
        assertThat(acc[0]).isEqualTo(4);
        assertThat(theta[0]).isCloseTo(0.92, within(1e-15));
        adaGrad.update(theta, new double[] {-3}, acc, 2, 0.1);
        assertThat(acc[0]).isEqualTo(13);
        assertThat(theta[0]).isCloseTo(0.92 + 0.3 / (Math.sqrt(13) + 0.5), within(1e-15));

        // RMSProp, rho = 0.75, eps = 1, eta = 0.1: g = 2 -> s = 0.25*4 = 1, step 0.1*2/(1+1) = 0.1;
        // g = 2 -> s = 0.75 + 1 = 1.75
        RmsProp rmsProp = new RmsProp(0.75, 1);
        theta = new double[] {1};
        double[] s = new double[1];
        rmsProp.update(theta, new double[] {2}, s, 1, 0.1);
        assertThat(s[0]).isEqualTo(1);
        assertThat(theta[0]).isCloseTo(0.9, within(1e-15));
        rmsProp.update(theta, new double[] {2}, s, 2, 0.1);
        assertThat(s[0]).isEqualTo(1.75);
        assertThat(theta[0]).isCloseTo(0.9 - 0.2 / (Math.sqrt(1.75) + 1), within(1e-15));
    }

    static Stream<Arguments> onTheQuadratic() {
        // f(theta) = 0.5 sum a_i theta_i^2 with curvatures 0.5 .. 4; each with a rate that suits it
        return Stream.of(
                Arguments.of(new Sgd(), LearningRateSchedule.constant(), 0.4),
                Arguments.of(new Momentum(0.9, false), LearningRateSchedule.constant(), 0.1),
                Arguments.of(new Momentum(0.9, true), LearningRateSchedule.constant(), 0.1),
                Arguments.of(new AdaGrad(1e-8), LearningRateSchedule.constant(), 1.0),
                Arguments.of(new RmsProp(0.9, 1e-8), LearningRateSchedule.of("inverse-time", 0, 1, 0.05), 0.05),
                Arguments.of(new Adam(0.9, 0.999, 1e-8), LearningRateSchedule.of("inverse-time", 0, 1, 0.01), 0.1));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("onTheQuadratic")
    void drivesAConvexQuadraticToItsMinimum(Optimizer optimizer, LearningRateSchedule schedule, double eta) {
        double[] a = {0.5, 1, 2, 4};
        double[] theta = {1, -2, 3, -1};
        double[] state = new double[optimizer.slots() * a.length];
        double f0 = quadratic(a, theta);
        double[] g = new double[a.length];
        for (long t = 1; t <= 500; t++) {
            for (int i = 0; i < a.length; i++) {
                g[i] = a[i] * theta[i];
            }
            optimizer.update(theta, g, state, t, schedule.rate(eta, t));
        }
        assertThat(quadratic(a, theta)).as("f after 500 steps, from %s", f0).isLessThan(1e-6 * f0);
    }

    private static double quadratic(double[] a, double[] theta) {
        double f = 0;
        for (int i = 0; i < a.length; i++) {
            f += 0.5 * a[i] * theta[i] * theta[i];
        }
        return f;
    }

    static Stream<String> names() {
        return Optimizers.NAMES.stream();
    }

    @ParameterizedTest
    @MethodSource("names")
    void stateCopiedIntoANewInstanceContinuesTheRunExactly(String name) {
        Optimizer uninterrupted = Optimizers.of(name, 0.9, 0.9, 0.999, 0.9, 1e-8);
        double[] theta = initialTheta(3);
        double[] state = new double[uninterrupted.slots() * N];
        Random random = new Random(11);
        double[][] gradients = new double[STEPS][];
        for (int t = 0; t < STEPS; t++) {
            gradients[t] = gradient(random);
        }
        for (int t = 1; t <= STEPS; t++) {
            uninterrupted.update(theta, gradients[t - 1].clone(), state, t, eta(t));
        }

        Optimizer first = Optimizers.of(name, 0.9, 0.9, 0.999, 0.9, 1e-8);
        double[] restoredTheta = initialTheta(3);
        double[] firstState = new double[first.slots() * N];
        for (int t = 1; t <= STEPS / 2; t++) {
            first.update(restoredTheta, gradients[t - 1].clone(), firstState, t, eta(t));
        }
        // a checkpoint keeps theta, the state and the step; the restored job builds a new optimizer
        Optimizer restored = Optimizers.of(name, 0.9, 0.9, 0.999, 0.9, 1e-8);
        double[] restoredState = Arrays.copyOf(firstState, firstState.length);
        restoredTheta = restoredTheta.clone();
        for (int t = STEPS / 2 + 1; t <= STEPS; t++) {
            restored.update(restoredTheta, gradients[t - 1].clone(), restoredState, t, eta(t));
        }
        assertThat(restoredTheta).containsExactly(theta);
        assertThat(restoredState).containsExactly(state);
    }

    @ParameterizedTest
    @MethodSource("names")
    void survivesJavaSerialization(String name) throws Exception {
        Optimizer original = Optimizers.of(name, 0.8, 0.85, 0.99, 0.95, 1e-6);
        Optimizer copy = roundTrip(original);
        assertThat(copy.name()).isEqualTo(original.name());
        double[] a = initialTheta(5);
        double[] b = a.clone();
        double[] sa = new double[original.slots() * N];
        double[] sb = sa.clone();
        Random random = new Random(9);
        for (int t = 1; t <= 5; t++) {
            double[] g = gradient(random);
            original.update(a, g, sa, t, 0.01);
            copy.update(b, g, sb, t, 0.01);
        }
        assertThat(b).containsExactly(a);
        assertThat(sb).containsExactly(sa);
    }

    @SuppressWarnings("unchecked")
    static <T> T roundTrip(T value) throws IOException, ClassNotFoundException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (ObjectOutputStream out = new ObjectOutputStream(bytes)) {
            out.writeObject(value);
        }
        try (ObjectInputStream in = new ObjectInputStream(new ByteArrayInputStream(bytes.toByteArray()))) {
            return (T) in.readObject();
        }
    }

    @Test
    void factoryBuildsEachOptimizerWithItsParameters() {
        assertThat(Optimizers.of("sgd", 0.9, 0.9, 0.999, 0.9, 1e-8)).isInstanceOf(Sgd.class);
        Optimizer momentum = Optimizers.of("momentum", 0.7, 0.9, 0.999, 0.9, 1e-8);
        assertThat(momentum).isInstanceOfSatisfying(Momentum.class, m -> {
            assertThat(m.mu()).isEqualTo(0.7);
            assertThat(m.nesterov()).isFalse();
        });
        assertThat(Optimizers.of(" Nesterov ", 0.7, 0.9, 0.999, 0.9, 1e-8))
                .isInstanceOfSatisfying(Momentum.class, m -> assertThat(m.nesterov()).isTrue());
        assertThat(Optimizers.of("adagrad", 0.9, 0.9, 0.999, 0.9, 1e-6))
                .isInstanceOfSatisfying(AdaGrad.class, o -> assertThat(o.epsilon()).isEqualTo(1e-6));
        assertThat(Optimizers.of("RMSProp", 0.9, 0.9, 0.999, 0.95, 1e-6))
                .isInstanceOfSatisfying(RmsProp.class, o -> {
                    assertThat(o.rho()).isEqualTo(0.95);
                    assertThat(o.epsilon()).isEqualTo(1e-6);
                });
        assertThat(Optimizers.of("adam", 0.9, 0.8, 0.99, 0.95, 1e-7))
                .isInstanceOfSatisfying(Adam.class, o -> {
                    assertThat(o.beta1()).isEqualTo(0.8);
                    assertThat(o.beta2()).isEqualTo(0.99);
                    assertThat(o.epsilon()).isEqualTo(1e-7);
                });
        for (String name : Optimizers.NAMES) {
            assertThat(Optimizers.of(name, 0.9, 0.9, 0.999, 0.9, 1e-8).name()).isEqualTo(name);
        }
    }

    @Test
    void slotsAndNames() {
        assertThat(new Sgd().slots()).isZero();
        assertThat(new Momentum(0.9, false).slots()).isEqualTo(1);
        assertThat(new Momentum(0.9, false).name()).isEqualTo("momentum");
        assertThat(new Momentum(0.9, true).name()).isEqualTo("nesterov");
        assertThat(new AdaGrad(1e-8).slots()).isEqualTo(1);
        assertThat(new AdaGrad(1e-8).name()).isEqualTo("adagrad");
        assertThat(new RmsProp(0.9, 1e-8).slots()).isEqualTo(1);
        assertThat(new RmsProp(0.9, 1e-8).name()).isEqualTo("rmsprop");
        assertThat(new Adam(0.9, 0.999, 1e-8).slots()).isEqualTo(2);
        assertThat(new Adam(0.9, 0.999, 1e-8).name()).isEqualTo("adam");
        assertThat(new Adam(0.9, 0.999, 1e-8)).hasToString("adam(beta1=0.9, beta2=0.999, epsilon=1.0E-8)");
        assertThat(new Momentum(0.5, true)).hasToString("nesterov(momentum=0.5)");
    }

    @Test
    void unknownNameListsTheAllowedOnes() {
        assertThatThrownBy(() -> Optimizers.of("adamw", 0.9, 0.9, 0.999, 0.9, 1e-8))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("adamw")
                .hasMessageContaining("sgd, momentum, nesterov, adagrad, rmsprop, adam");
        assertThatThrownBy(() -> Optimizers.of(null, 0.9, 0.9, 0.999, 0.9, 1e-8))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void parametersOutOfRangeAreRefused() {
        List<Runnable> bad = List.of(
                () -> new Momentum(-0.1, false),
                () -> new Momentum(1, true),
                () -> new Momentum(Double.NaN, false),
                () -> new AdaGrad(0),
                () -> new AdaGrad(-1e-8),
                () -> new AdaGrad(Double.POSITIVE_INFINITY),
                () -> new RmsProp(1, 1e-8),
                () -> new RmsProp(-0.5, 1e-8),
                () -> new RmsProp(0.9, Double.NaN),
                () -> new Adam(1, 0.999, 1e-8),
                () -> new Adam(0.9, 1, 1e-8),
                () -> new Adam(0.9, -0.1, 1e-8),
                () -> new Adam(0.9, 0.999, 0));
        for (Runnable r : bad) {
            assertThatThrownBy(r::run).isInstanceOf(IllegalArgumentException.class);
        }
    }

    @Test
    void wrongShapesAndAStepBeforeOneAreRefused() {
        Adam adam = new Adam(0.9, 0.999, 1e-8);
        double[] theta = new double[3];
        assertThatThrownBy(() -> adam.update(theta, new double[3], new double[3], 1, 0.1))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("6");
        assertThatThrownBy(() -> adam.update(theta, new double[2], new double[6], 1, 0.1))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> adam.update(theta, new double[3], new double[6], 0, 0.1))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new Momentum(0.9, false).update(theta, new double[3], new double[0], 1, 0.1))
                .isInstanceOf(IllegalArgumentException.class);
    }

    static Stream<Arguments> onTheSeedNetwork() {
        return Stream.of(
                Arguments.of(new Momentum(0.9, false), 0.1),
                Arguments.of(new Momentum(0.9, true), 0.1),
                Arguments.of(new AdaGrad(1e-8), 0.5),
                Arguments.of(new RmsProp(0.9, 1e-8), 0.02),
                Arguments.of(new Adam(0.9, 0.999, 1e-8), 0.05));
    }

    /** The seed experiment of {@link ReferenceTrainerTest} (full batch, 100 steps) with each optimizer. */
    @ParameterizedTest(name = "{0}")
    @MethodSource("onTheSeedNetwork")
    void trainsTheSeedNetwork(Optimizer optimizer, double eta) {
        Architecture seed = Architecture.seed();
        float[][] train = ReferenceTrainerTest.seedData(1000, 1);
        float[][] holdout = ReferenceTrainerTest.seedData(10_000, 2);
        ReferenceTrainer trainer = new ReferenceTrainer(seed, new UpdateRule(seed, optimizer, eta, 1e-3),
                Initializer.HE.initialize(seed, 7, 0), DataType.DOUBLE, 1000);
        for (int i = 0; i < 100; i++) {
            trainer.step(train[0], train[1], 1000);
        }
        double accuracy = new ForwardPass(seed, trainer.parameters()).accuracy(holdout[0], holdout[1], 10_000);
        assertThat(accuracy).isGreaterThan(0.99);
    }
}
