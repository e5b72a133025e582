package io.streamtrain.job;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.streamtrain.job.DivergenceGuard.Judgement;
import io.streamtrain.job.DivergenceGuard.State;
import io.streamtrain.job.DivergenceGuard.Verdict;
import org.junit.jupiter.api.Test;

/** The divergence guard's verdicts on hand-made window losses. */
class DivergenceGuardTest {

    /** Parameters of version v: one value, v. */
    private static double[] parameters(long v) {
        return new double[] {v};
    }

    /** Judges a window scored on {@code base} while the current version is {@code version}. */
    private static Judgement judge(DivergenceGuard guard, State s, double loss, long base, long version) {
        return guard.judge(s, loss, base, version, parameters(version), new double[] {-version}, version);
    }

    @Test
    void theLevelIsAnExponentialMovingAverageOfNormalWindows() {
        DivergenceGuard guard = new DivergenceGuard(10, 1);
        State s = State.initial();
        double[] losses = {0.7, 0.5, 0.6, 0.4};
        double level = Double.NaN;
        for (int v = 0; v < losses.length; v++) {
            Judgement j = judge(guard, s, losses[v], v, v);
            assertThat(j.verdict()).isEqualTo(Verdict.APPLY);
            level = v == 0 ? losses[0] : 0.9 * level + 0.1 * losses[v];
            s = j.state();
            assertThat(s.level()).isEqualTo(level);
            assertThat(s.goodVersion()).isEqualTo(v);
        }
    }

    @Test
    void aSpikeGoesBackToTheLastVersionMeasuredGoodAndIsCountedOnce() {
        DivergenceGuard guard = new DivergenceGuard(10, 1);
        State s = judge(guard, State.initial(), 0.5, 0, 0).state();
        s = judge(guard, s, 0.4, 1, 1).state();
        // a window scored on version 1 while 2 is current: 2 was never measured, 1 stays the good one
        s = judge(guard, s, 0.45, 1, 2).state();
        assertThat(s.goodVersion()).isEqualTo(1);

        Judgement spike = judge(guard, s, 50, 3, 3);
        assertThat(spike.verdict()).isEqualTo(Verdict.RESTORE);
        assertThat(spike.state().divergences()).isEqualTo(1);
        assertThat(spike.state().goodParameters()).containsExactly(1);
        assertThat(spike.state().goodOptimizerState()).containsExactly(-1);
        assertThat(spike.state().goodStep()).isEqualTo(1);
        assertThat(spike.state().restoredVersion()).isEqualTo(4);
        assertThat(spike.state().level()).isEqualTo(s.level());

        // a block still scored on the diverged version: discarded too, not counted again
        Judgement stale = judge(guard, spike.state(), 60, 3, 4);
        assertThat(stale.verdict()).isEqualTo(Verdict.RESTORE);
        assertThat(stale.state().divergences()).isEqualTo(1);

        // scored on the restored version and normal: training goes on from there
        Judgement back = judge(guard, stale.state(), 0.42, 4, 4);
        assertThat(back.verdict()).isEqualTo(Verdict.APPLY);
        assertThat(back.state().restoredVersion()).isEqualTo(-1);
        assertThat(back.state().goodVersion()).isEqualTo(4);
    }

    @Test
    void aLossThatStaysHighOnTheRestoredParametersBecomesTheNewLevel() {
        DivergenceGuard guard = new DivergenceGuard(10, 1);
        State s = judge(guard, State.initial(), 0.5, 0, 0).state();
        Judgement spike = judge(guard, s, 9, 1, 1);
        assertThat(spike.verdict()).isEqualTo(Verdict.RESTORE);
        // the restored parameters (version 0's, republished as 2) score as badly: the rows changed
        Judgement shift = judge(guard, spike.state(), 8, 2, 2);
        assertThat(shift.verdict()).isEqualTo(Verdict.NEW_LEVEL);
        assertThat(shift.state().level()).isEqualTo(8);
        assertThat(shift.state().divergences()).isEqualTo(1);
        assertThat(judge(guard, shift.state(), 7, 3, 3).verdict()).isEqualTo(Verdict.APPLY);
    }

    @Test
    void nanAndInfiniteLossesAreBeyondAnyLevel() {
        DivergenceGuard guard = new DivergenceGuard(10, 1);
        State s = judge(guard, State.initial(), 0.5, 0, 0).state();
        assertThat(judge(guard, s, Double.NaN, 1, 1).verdict()).isEqualTo(Verdict.RESTORE);
        assertThat(judge(guard, s, Double.POSITIVE_INFINITY, 1, 1).verdict()).isEqualTo(Verdict.RESTORE);
    }

    @Test
    void theWarmupOnlySetsTheLevel() {
        DivergenceGuard guard = new DivergenceGuard(10, 3);
        State s = judge(guard, State.initial(), 0.5, 0, 0).state();
        Judgement early = judge(guard, s, 50, 1, 1);
        assertThat(early.verdict()).isEqualTo(Verdict.APPLY);
        assertThat(early.state().windows()).isEqualTo(2);
        s = judge(guard, early.state(), 5, 2, 2).state();
        assertThat(judge(guard, s, 0.9 * 10 * s.level(), 3, 3).verdict()).isEqualTo(Verdict.APPLY);
        assertThat(judge(guard, s, 1.1 * 10 * s.level(), 3, 3).verdict()).isEqualTo(Verdict.RESTORE);
    }

    @Test
    void factorZeroIsOff() {
        DivergenceGuard off = new DivergenceGuard(0, 1);
        State s = judge(off, State.initial(), 0.5, 0, 0).state();
        assertThat(s).isEqualTo(State.initial());
        assertThat(judge(off, s, 1e9, 1, 1).verdict()).isEqualTo(Verdict.APPLY);
        assertThatThrownBy(() -> new DivergenceGuard(1, 1)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new DivergenceGuard(10, 0)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void aWindowOfFewRowsIsJudgedOnTheEvidenceOfItsRows() {
        DivergenceGuard guard = new DivergenceGuard(10, 1);
        State s = State.initial();
        for (int v = 0; v < 5; v++) {
            s = guard.judge(s, 0.01, 4, v, v, parameters(v), new double[] {-v}, v).state();
        }
        assertThat(s.level()).isEqualTo(0.01, org.assertj.core.api.Assertions.within(1e-12));
        // one row of four misclassified: a mean loss of 25 times the level is noise on 4 rows
        // (bound 10 x 0.01 x 64 / 4 = 1.6), but would be divergence on 64 rows
        Judgement noisy = guard.judge(s, 0.25, 4, 5, 5, parameters(5), new double[] {-5}, 5);
        assertThat(noisy.verdict()).isEqualTo(Verdict.APPLY);
        assertThat(noisy.state().divergences()).isZero();
        assertThat(guard.judge(s, 0.25, 64, 5, 5, parameters(5), new double[] {-5}, 5).verdict())
                .isEqualTo(Verdict.RESTORE);
        // an exploded loss, or one that is not a number, is divergence on any number of rows
        assertThat(guard.judge(s, 1.7, 4, 5, 5, parameters(5), new double[] {-5}, 5).verdict())
                .isEqualTo(Verdict.RESTORE);
        assertThat(guard.judge(s, Double.NaN, 1, 5, 5, parameters(5), new double[] {-5}, 5).verdict())
                .isEqualTo(Verdict.RESTORE);
    }
}
