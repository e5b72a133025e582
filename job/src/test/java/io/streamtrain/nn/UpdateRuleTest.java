package io.streamtrain.nn;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.util.Random;
import org.junit.jupiter.api.Test;

/** The update rule (mean, L2, clipping, schedule, refusal) and the learning-rate schedules. */
class UpdateRuleTest {

    /** 3 inputs, 2 sigmoid outputs: W (3x2) in [0, 6), b in [6, 8). */
    private static final Architecture ARCH =
            new Architecture(new int[] {3, 2}, Activation.RELU, Activation.SIGMOID, Loss.CROSS_ENTROPY);
    private static final int P = 8;
    private static final int WEIGHTS = 6;

    private static double[] random(Random random, double scale) {
        double[] x = new double[P];
        for (int i = 0; i < P; i++) {
            x[i] = scale * random.nextGaussian();
        }
        return x;
    }

    private static double norm(double[] g) {
        double s = 0;
        for (double x : g) {
            s += x * x;
        }
        return Math.sqrt(s);
    }

    /** The gradient an SGD step of rate 1 applied: theta_before - theta_after. */
    private static double[] appliedGradient(double[] before, double[] after) {
        double[] g = new double[before.length];
        for (int i = 0; i < g.length; i++) {
            g[i] = before[i] - after[i];
        }
        return g;
    }

    /** (1/rows) sum + l2 * W, written out. */
    private static double[] fullGradient(double[] sum, long rows, double l2, double[] theta) {
        double[] g = new double[P];
        for (int i = 0; i < P; i++) {
            g[i] = sum[i] / rows + (i < WEIGHTS ? l2 * theta[i] : 0);
        }
        return g;
    }

    // ---------------------------------------------------------------- mean, L2, learning rate

    @Test
    void meanGradientPlusL2OnWeightsOnly() {
        Random random = new Random(1);
        double[] theta = random(random, 1);
        double[] sum = random(random, 10);
        double[] expectedG = fullGradient(sum, 4, 0.1, theta);
        UpdateRule rule = new UpdateRule(ARCH, new Sgd(), 0.5, 0.1);
        double[] before = theta.clone();
        assertThat(rule.apply(theta, sum, 4, new double[0], 1)).isTrue();
        for (int i = 0; i < P; i++) {
            assertThat(theta[i]).isCloseTo(before[i] - 0.5 * expectedG[i], within(1e-14));
            assertThat(sum[i]).as("the buffer holds the gradient given to the optimizer")
                    .isCloseTo(expectedG[i], within(1e-14));
        }
        // biases carry no L2: with a zero gradient only the weights shrink
        double[] zero = new double[P];
        double[] t2 = before.clone();
        rule.apply(t2, zero, 1, new double[0], 1);
        for (int i = 0; i < P; i++) {
            assertThat(t2[i]).isEqualTo(i < WEIGHTS ? before[i] - 0.5 * 0.1 * before[i] : before[i]);
        }
    }

    @Test
    void fourArgumentRuleKeepsAConstantRateAndNoClipping() {
        UpdateRule rule = new UpdateRule(ARCH, new Sgd(), 0.3, 0);
        assertThat(rule.clipNorm()).isZero();
        assertThat(rule.schedule()).isEqualTo(LearningRateSchedule.constant());
        assertThat(rule.learningRate(1)).isEqualTo(0.3);
        assertThat(rule.learningRate(1_000_000)).isEqualTo(0.3);
        double[] theta = new double[P];
        double[] g = new double[P];
        g[0] = 1e6;
        rule.apply(theta, g, 1, new double[0], 1);
        assertThat(theta[0]).as("no clipping").isEqualTo(-0.3e6);
    }

    @Test
    void theScheduledRateIsTheOneApplied() {
        UpdateRule rule = new UpdateRule(ARCH, new Sgd(), 0.2, 0, 0, LearningRateSchedule.of("step", 0.5, 2, 0));
        assertThat(rule.learningRate(1)).isEqualTo(0.2);
        assertThat(rule.learningRate(2)).isEqualTo(0.2);
        assertThat(rule.learningRate(3)).isEqualTo(0.1);
        assertThat(rule.learningRate(4)).isEqualTo(0.1);
        assertThat(rule.learningRate(5)).isEqualTo(0.05);
        double[] theta = new double[P];
        double[] g = new double[P];
        g[7] = 2;
        rule.apply(theta, g, 1, new double[0], 5);
        assertThat(theta[7]).isEqualTo(-0.1);
    }

    @Test
    void stateSizeIsSlotsTimesParameters() {
        assertThat(new UpdateRule(ARCH, new Sgd(), 0.1, 0).stateSize()).isZero();
        assertThat(new UpdateRule(ARCH, new Momentum(0.9, false), 0.1, 0).stateSize()).isEqualTo(P);
        assertThat(new UpdateRule(ARCH, new Adam(0.9, 0.999, 1e-8), 0.1, 0).stateSize()).isEqualTo(2 * P);
    }

    // ---------------------------------------------------------------- clipping

    @Test
    void clippingBringsTheNormToTheBoundAndKeepsTheDirection() {
        Random random = new Random(2);
        double[] theta = random(random, 1);
        double[] sum = random(random, 10);
        double[] full = fullGradient(sum, 3, 0.2, theta);
        double fullNorm = norm(full);
        assertThat(fullNorm).isGreaterThan(0.5);
        UpdateRule rule = new UpdateRule(ARCH, new Sgd(), 1, 0.2, 0.5, LearningRateSchedule.constant());
        double[] before = theta.clone();
        assertThat(rule.apply(theta, sum, 3, new double[0], 1)).isTrue();
        double[] applied = appliedGradient(before, theta);
        assertThat(norm(applied)).isCloseTo(0.5, within(1e-12));
        assertThat(norm(sum)).isCloseTo(0.5, within(1e-12));
        double dot = 0;
        for (int i = 0; i < P; i++) {
            dot += applied[i] * full[i];
            assertThat(sum[i]).isCloseTo(full[i] * 0.5 / fullNorm, within(1e-12 * Math.abs(full[i])));
        }
        assertThat(dot / (norm(applied) * fullNorm)).as("cosine").isCloseTo(1, within(1e-12));
    }

    @Test
    void noClippingAtOrBelowTheBound() {
        Random random = new Random(3);
        double[] theta = random(random, 1);
        double[] sum = random(random, 1);
        double[] full = fullGradient(sum, 2, 0.01, theta);
        double[] expected = full.clone();
        double fullNorm = norm(full);
        for (double bound : new double[] {2 * fullNorm, fullNorm * (1 + 1e-9)}) {
            UpdateRule rule = new UpdateRule(ARCH, new Sgd(), 1, 0.01, bound, LearningRateSchedule.constant());
            double[] s = sum.clone();
            double[] t = theta.clone();
            rule.apply(t, s, 2, new double[0], 1);
            assertThat(s).as("bound %s", bound).containsExactly(expected);
        }
        // exactly at the bound (the same sum of squares as the rule) is not clipped either
        double[] s = sum.clone();
        double[] t = theta.clone();
        new UpdateRule(ARCH, new Sgd(), 1, 0.01, fullNorm, LearningRateSchedule.constant())
                .apply(t, s, 2, new double[0], 1);
        assertThat(s).containsExactly(expected);
    }

    @Test
    void aHugeFiniteGradientIsClippedNotZeroed() {
        UpdateRule rule = new UpdateRule(ARCH, new Sgd(), 1, 0, 1, LearningRateSchedule.constant());
        double[] theta = new double[P];
        double[] sum = new double[P];
        for (int i = 0; i < P; i++) {
            sum[i] = (i % 2 == 0 ? 1 : -1) * 1e300;
        }
        assertThat(rule.apply(theta, sum, 1, new double[0], 1)).isTrue();
        assertThat(norm(theta)).isCloseTo(1, within(1e-12));
        for (int i = 0; i < P; i++) {
            assertThat(theta[i]).isCloseTo((i % 2 == 0 ? -1 : 1) / Math.sqrt(P), within(1e-15));
        }
    }

    // ---------------------------------------------------------------- refusal

    @Test
    void aNonFiniteGradientIsRefusedLeavingThetaAndStateUntouched() {
        UpdateRule rule = new UpdateRule(ARCH, new Adam(0.9, 0.999, 1e-8), 0.01, 1e-3, 1.0,
                LearningRateSchedule.of("inverse-time", 0, 1, 0.1));
        UpdateRule twin = new UpdateRule(ARCH, new Adam(0.9, 0.999, 1e-8), 0.01, 1e-3, 1.0,
                LearningRateSchedule.of("inverse-time", 0, 1, 0.1));
        Random random = new Random(4);
        double[] theta = random(random, 1);
        double[] state = new double[rule.stateSize()];
        double[] twinTheta = theta.clone();
        double[] twinState = state.clone();
        long step = 0;
        for (int k = 0; k < 3; k++) {
            double[] g = random(random, 5);
            step++;
            assertThat(rule.apply(theta, g.clone(), 7, state, step)).isTrue();
            assertThat(twin.apply(twinTheta, g, 7, twinState, step)).isTrue();
        }
        double[] thetaBefore = theta.clone();
        double[] stateBefore = state.clone();
        assertThat(stateBefore).as("the state is in use").isNotEqualTo(new double[rule.stateSize()]);
        for (double bad : new double[] {Double.NaN, Double.POSITIVE_INFINITY, Double.NEGATIVE_INFINITY}) {
            for (int position : new int[] {0, WEIGHTS - 1, P - 1}) {
                double[] g = random(random, 5);
                g[position] = bad;
                assertThat(rule.apply(theta, g, 7, state, step + 1)).as("%s at %d", bad, position).isFalse();
                assertThat(theta).containsExactly(thetaBefore);
                assertThat(state).containsExactly(stateBefore);
            }
        }
        // finite sums whose mean plus L2 overflows are refused too
        UpdateRule heavyL2 = new UpdateRule(ARCH, new Adam(0.9, 0.999, 1e-8), 0.01, 10, 1.0,
                LearningRateSchedule.constant());
        double[] bigTheta = theta.clone();
        bigTheta[0] = 1e308;
        double[] bigBefore = bigTheta.clone();
        double[] g = new double[P];
        g[0] = Double.MAX_VALUE;
        assertThat(heavyL2.apply(bigTheta, g, 1, state, step + 1)).isFalse();
        assertThat(bigTheta).containsExactly(bigBefore);
        assertThat(state).containsExactly(stateBefore);

        // and the run goes on as if the refused updates never came
        for (int k = 0; k < 3; k++) {
            double[] next = random(random, 5);
            step++;
            assertThat(rule.apply(theta, next.clone(), 7, state, step)).isTrue();
            assertThat(twin.apply(twinTheta, next, 7, twinState, step)).isTrue();
        }
        assertThat(theta).containsExactly(twinTheta);
        assertThat(state).containsExactly(twinState);
    }

    // ---------------------------------------------------------------- the whole rule against a reference

    @Test
    void adamWithL2ClippingAndScheduleMatchesAHandWrittenPipeline() throws Exception {
        double eta0 = 0.05;
        double l2 = 0.01;
        double clip = 2.0;
        double b1 = 0.9;
        double b2 = 0.99;
        double eps = 1e-8;
        UpdateRule rule = new UpdateRule(ARCH, new Adam(b1, b2, eps), eta0, l2, clip,
                LearningRateSchedule.of("inverse-time", 0, 1, 0.2));
        rule = OptimizerTest.roundTrip(rule);
        Random random = new Random(5);
        double[] theta = random(random, 1);
        double[] state = new double[rule.stateSize()];
        double[] refTheta = theta.clone();
        double[] m = new double[P];
        double[] v = new double[P];
        boolean clipped = false;
        boolean unclipped = false;
        for (long t = 1; t <= 20; t++) {
            long rows = 1 + random.nextInt(50);
            double[] sum = random(random, t % 3 == 0 ? 0.2 : 10);
            double[] g = fullGradient(sum, rows, l2, refTheta);
            double n = norm(g);
            if (n > clip) {
                clipped = true;
                for (int i = 0; i < P; i++) {
                    g[i] = g[i] * clip / n;
                }
            } else {
                unclipped = true;
            }
            double eta = eta0 / (1 + 0.2 * (t - 1));
            for (int i = 0; i < P; i++) {
                m[i] = b1 * m[i] + (1 - b1) * g[i];
                v[i] = b2 * v[i] + (1 - b2) * g[i] * g[i];
                double mHat = m[i] / (1 - Math.pow(b1, t));
                double vHat = v[i] / (1 - Math.pow(b2, t));
                refTheta[i] -= eta * mHat / (Math.sqrt(vHat) + eps);
            }
            assertThat(rule.apply(theta, sum, rows, state, t)).isTrue();
            for (int i = 0; i < P; i++) {
                assertThat(theta[i]).isCloseTo(refTheta[i], within(1e-12 * Math.abs(refTheta[i])));
                assertThat(state[i]).isCloseTo(m[i], within(1e-12 * Math.abs(m[i])));
                assertThat(state[P + i]).isCloseTo(v[i], within(1e-12 * Math.abs(v[i])));
            }
        }
        assertThat(clipped).isTrue();
        assertThat(unclipped).isTrue();
    }

    @Test
    void badArgumentsAreRefused() {
        LearningRateSchedule constant = LearningRateSchedule.constant();
        assertThatThrownBy(() -> new UpdateRule(ARCH, new Sgd(), 0.1, 0, -1, constant))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new UpdateRule(ARCH, new Sgd(), 0.1, 0, Double.NaN, constant))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new UpdateRule(ARCH, new Sgd(), 0.1, 0, 1, null))
                .isInstanceOf(NullPointerException.class);
        assertThatThrownBy(() -> new UpdateRule(ARCH, null, 0.1, 0))
                .isInstanceOf(NullPointerException.class);
    }

    // ---------------------------------------------------------------- schedules

    @Test
    void constantSchedule() {
        LearningRateSchedule s = LearningRateSchedule.of("constant", 0.5, 10, 0.3);
        assertThat(s.name()).isEqualTo("constant");
        assertThat(s.rate(0.1, 1)).isEqualTo(0.1);
        assertThat(s.rate(0.1, 2)).isEqualTo(0.1);
        assertThat(s.rate(0.1, Long.MAX_VALUE)).isEqualTo(0.1);
    }

    @Test
    void stepDecayByHand() {
        // base 0.1, gamma 0.5 every 3 steps: 0.1 for steps 1-3, 0.05 for 4-6, 0.025 for 7-9, 0.0125 at 10
        LearningRateSchedule s = LearningRateSchedule.of("step", 0.5, 3, 99);
        assertThat(s).isEqualTo(new LearningRateSchedule.StepDecay(0.5, 3));
        assertThat(s.name()).isEqualTo("step");
        assertThat(s.rate(0.1, 1)).isEqualTo(0.1);
        assertThat(s.rate(0.1, 3)).isEqualTo(0.1);
        assertThat(s.rate(0.1, 4)).isEqualTo(0.05);
        assertThat(s.rate(0.1, 6)).isEqualTo(0.05);
        assertThat(s.rate(0.1, 7)).isEqualTo(0.025);
        assertThat(s.rate(0.1, 10)).isEqualTo(0.0125);
        // gamma 0.1 every step: 1, 0.1, 0.01
        LearningRateSchedule fast = LearningRateSchedule.of("step", 0.1, 1, 0);
        assertThat(fast.rate(1, 1)).isEqualTo(1);
        assertThat(fast.rate(1, 2)).isCloseTo(0.1, within(1e-17));
        assertThat(fast.rate(1, 3)).isCloseTo(0.01, within(1e-17));
    }

    @Test
    void inverseTimeByHand() {
        // base 0.1, decay 0.5: 0.1 / (1 + 0.5 (t - 1)) = 0.1, 0.1/1.5, 0.05, ..., 0.1/6 at t = 11
        LearningRateSchedule s = LearningRateSchedule.of(" Inverse-Time ", 99, 99, 0.5);
        assertThat(s).isEqualTo(new LearningRateSchedule.InverseTime(0.5));
        assertThat(s.name()).isEqualTo("inverse-time");
        assertThat(s.rate(0.1, 1)).isEqualTo(0.1);
        assertThat(s.rate(0.1, 2)).isCloseTo(0.0666666666666667, within(1e-16));
        assertThat(s.rate(0.1, 3)).isEqualTo(0.05);
        assertThat(s.rate(0.1, 11)).isCloseTo(0.0166666666666667, within(1e-16));
        assertThat(LearningRateSchedule.of("inverse-time", 0, 0, 0).rate(0.1, 1000)).isEqualTo(0.1);
    }

    @Test
    void unknownScheduleListsTheAllowedNames() {
        assertThatThrownBy(() -> LearningRateSchedule.of("exponential", 0.5, 1, 0))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("exponential")
                .hasMessageContaining("constant, step, inverse-time, cosine, linear");
        assertThatThrownBy(() -> LearningRateSchedule.of(null, 0.5, 1, 0))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void scheduleParametersAndStepsAreChecked() {
        assertThatThrownBy(() -> LearningRateSchedule.of("step", 0.5, 0, 0)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> LearningRateSchedule.of("step", 0, 1, 0)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> LearningRateSchedule.of("step", Double.NaN, 1, 0))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> LearningRateSchedule.of("inverse-time", 0.5, 1, -0.1))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> LearningRateSchedule.of("inverse-time", 0.5, 1, Double.POSITIVE_INFINITY))
                .isInstanceOf(IllegalArgumentException.class);
        for (String name : LearningRateSchedule.NAMES) {
            LearningRateSchedule s = LearningRateSchedule.of(name, 0.5, 2, 0.1, 10, 0.1);
            assertThat(s.name()).isEqualTo(name);
            assertThatThrownBy(() -> s.rate(0.1, 0)).isInstanceOf(IllegalArgumentException.class);
        }
    }

    @Test
    void cosineByHand() {
        // base 0.1, T = 4, floor 0.2: 0.1 (0.2 + 0.8 (1 + cos(pi u)) / 2) for u = 0, 1/4, 1/2, 3/4, 1
        LearningRateSchedule s = LearningRateSchedule.of(" Cosine ", 99, 99, 99, 4, 0.2);
        assertThat(s).isEqualTo(new LearningRateSchedule.Cosine(4, 0.2));
        assertThat(s.name()).isEqualTo("cosine");
        assertThat(s.rate(0.1, 1)).isEqualTo(0.1);
        // u = 1/4: (1 + sqrt(2)/2) / 2 = 0.853553..., 0.1 (0.2 + 0.8 * 0.853553) = 0.0882843
        assertThat(s.rate(0.1, 2)).isCloseTo(0.0882842712474619, within(1e-15));
        // u = 1/2: the midpoint, 0.1 (0.2 + 0.4) = 0.06
        assertThat(s.rate(0.1, 3)).isCloseTo(0.06, within(1e-15));
        // u = 3/4: (1 - sqrt(2)/2) / 2 = 0.146447..., 0.1 (0.2 + 0.8 * 0.146447) = 0.0317157
        assertThat(s.rate(0.1, 4)).isCloseTo(0.0317157287525381, within(1e-15));
        // u = 1 at step T + 1 and after: the floor 0.02
        assertThat(s.rate(0.1, 5)).isCloseTo(0.02, within(1e-15));
        assertThat(s.rate(0.1, 6)).isCloseTo(0.02, within(1e-15));
        assertThat(s.rate(0.1, Long.MAX_VALUE)).isCloseTo(0.02, within(1e-15));
        // floor 0: down to nothing
        assertThat(LearningRateSchedule.of("cosine", 0, 0, 0, 4, 0).rate(0.1, 5)).isEqualTo(0);
    }

    @Test
    void linearByHand() {
        // base 0.1, T = 4, floor 0.2: 0.1 (0.2 + 0.8 (1 - u)) = 0.1, 0.08, 0.06, 0.04, 0.02, then 0.02
        LearningRateSchedule s = LearningRateSchedule.of("linear", 99, 99, 99, 4, 0.2);
        assertThat(s).isEqualTo(new LearningRateSchedule.Linear(4, 0.2));
        assertThat(s.name()).isEqualTo("linear");
        assertThat(s.rate(0.1, 1)).isEqualTo(0.1);
        assertThat(s.rate(0.1, 2)).isCloseTo(0.08, within(1e-15));
        assertThat(s.rate(0.1, 3)).isCloseTo(0.06, within(1e-15));
        assertThat(s.rate(0.1, 4)).isCloseTo(0.04, within(1e-15));
        assertThat(s.rate(0.1, 5)).isCloseTo(0.02, within(1e-15));
        assertThat(s.rate(0.1, 1000)).isCloseTo(0.02, within(1e-15));
        // floor 1: constant
        assertThat(LearningRateSchedule.of("linear", 0, 0, 0, 4, 1).rate(0.1, 3)).isEqualTo(0.1);
    }

    @Test
    void decayingSchedulesDecreaseMonotonicallyToTheFloor() {
        for (String name : LearningRateSchedule.DECAYING_TO_FLOOR) {
            LearningRateSchedule s = LearningRateSchedule.of(name, 0, 0, 0, 1000, 0.05);
            double previous = s.rate(2.0, 1);
            for (long t = 2; t <= 1001; t++) {
                double rate = s.rate(2.0, t);
                assertThat(rate).as("%s step %d", name, t).isLessThan(previous);
                previous = rate;
            }
            assertThat(previous).as(name).isCloseTo(0.1, within(1e-12));
        }
    }

    @Test
    void decayingSchedulesNeedTheirLengthAndAFloorInRange() {
        for (String name : LearningRateSchedule.DECAYING_TO_FLOOR) {
            assertThatThrownBy(() -> LearningRateSchedule.of(name, 0.5, 1, 0))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining(name + " schedule needs the steps it decays over");
            assertThatThrownBy(() -> LearningRateSchedule.of(name, 0.5, 1, 0, -3, 0))
                    .isInstanceOf(IllegalArgumentException.class);
            assertThatThrownBy(() -> LearningRateSchedule.of(name, 0.5, 1, 0, 10, -0.1))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("floor must be in [0, 1]");
            assertThatThrownBy(() -> LearningRateSchedule.of(name, 0.5, 1, 0, 10, 1.5))
                    .isInstanceOf(IllegalArgumentException.class);
            assertThatThrownBy(() -> LearningRateSchedule.of(name, 0.5, 1, 0, 10, Double.NaN))
                    .isInstanceOf(IllegalArgumentException.class);
        }
    }

    @Test
    void anUpdateRuleTakesTheCosineRateOfEachStep() {
        // SGD, no L2: theta moves by -eta_t * g, with eta_t the cosine rate of step t
        UpdateRule rule = new UpdateRule(ARCH, new Sgd(), 0.4, 0, 0, LearningRateSchedule.of("cosine", 0, 0, 0, 2, 0));
        for (long t = 1; t <= 4; t++) {
            double[] theta = new double[P];
            double[] g = new double[P];
            java.util.Arrays.fill(g, 1.0);
            assertThat(rule.apply(theta, g, 1, new double[rule.stateSize()], t)).isTrue();
            // cosine over T = 2: 0.4 at t = 1, 0.2 at t = 2, 0 from t = 3
            double expected = t == 1 ? 0.4 : t == 2 ? 0.2 : 0.0;
            assertThat(theta[0]).as("step %d", t).isCloseTo(-expected, within(1e-15));
        }
    }

    @Test
    void schedulesSurviveJavaSerialization() throws Exception {
        for (String name : LearningRateSchedule.NAMES) {
            LearningRateSchedule s = LearningRateSchedule.of(name, 0.5, 2, 0.1, 10, 0.1);
            LearningRateSchedule copy = OptimizerTest.roundTrip(s);
            assertThat(copy).isEqualTo(s);
            assertThat(copy.rate(0.3, 7)).isEqualTo(s.rate(0.3, 7));
        }
    }

    @Test
    void aFiniteGradientWhoseStepOverflowsIsRefusedLeavingThetaAndStateAsTheyWere() {
        for (Optimizer optimizer : new Optimizer[] {new Sgd(), new Momentum(0.9, false)}) {
            UpdateRule rule = new UpdateRule(ARCH, optimizer, 1e300, 0);
            double[] theta = new double[P];
            java.util.Arrays.fill(theta, 0.5);
            double[] state = new double[rule.stateSize()];
            java.util.Arrays.fill(state, 0.25);
            double[] stateBefore = state.clone();
            double[] g = new double[P];
            java.util.Arrays.fill(g, 1e300);
            assertThat(rule.apply(theta, g, 1, state, 1)).as(optimizer.name()).isFalse();
            assertThat(theta).containsOnly(0.5);
            assertThat(state).containsExactly(stateBefore);
        }
    }
}
