package io.streamtrain.connectors.kafka;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/**
 * The read-ahead bound's arithmetic: rows emitted by the readers against what the versions on the
 * parameters topic since the start can have trained.
 */
class ReadAheadSourceTest {
    private static final long MS = 1_000_000L;

    /** 1,000 bytes ahead at most (1,000 rows of a byte each below), versions of at most 100 rows, one model. */
    private static ReadAheadSource.Bound bound() {
        return new ReadAheadSource.Bound(1_000, 10, 100, 1);
    }

    @Test
    void theBoundInBytesIsTurnedIntoRowsAtTheRowsMeanSizeAndNeverBelowTheFloor() {
        ReadAheadSource.Bound b = new ReadAheadSource.Bound(1_000, 10, 100, 1);
        assertThat(b.maxRowsAhead()).isEqualTo(10);
        b.emitted(0, 100, 400);
        b.emitted(1, 100, 400);
        assertThat(b.maxRowsAhead()).isEqualTo(250);
        b.emitted(1, 200, 40_400);
        // 300 rows in 40,800 bytes: 7 rows, below the floor of 10
        assertThat(b.maxRowsAhead()).isEqualTo(10);
        b.messages(0, 0);
        assertThat(b.allowance(0)).isEqualTo(100 + 10);
    }

    @Test
    void staysClosedUntilTheParametersTopicHasBeenRead() {
        ReadAheadSource.Bound b = bound();
        assertThat(b.open()).isFalse();
        assertThat(b.update(0)).isFalse();
        assertThat(b.open()).isFalse();
        b.messages(3, 1 * MS);
        assertThat(b.open()).isTrue();
        assertThat(b.waiting()).isZero();
    }

    @Test
    void pausesBeyondTheBoundAndResumesWhenVersionsTrainTheRows() {
        ReadAheadSource.Bound b = bound();
        b.messages(7, 0); // versions published before the start do not count
        b.emitted(0, 600, 600);
        b.emitted(1, 399, 399);
        assertThat(b.update(1 * MS)).isFalse();
        assertThat(b.waiting()).isEqualTo(999);
        // each reader may take what is left: a reader whose partitions are empty holds back no other
        assertThat(b.allowance(0)).isEqualTo(601);
        assertThat(b.allowance(1)).isEqualTo(400);
        assertThat(b.allowance(2)).isEqualTo(1);
        b.emitted(1, 400, 400);
        assertThat(b.update(2 * MS)).isTrue();
        assertThat(b.open()).isFalse();
        assertThat(b.allowance(0)).isEqualTo(600);
        assertThat(b.allowance(1)).isEqualTo(400);
        // counts are cumulative: a late, smaller report changes nothing
        b.emitted(1, 300, 300);
        assertThat(b.waiting()).isEqualTo(1_000);
        b.messages(8, 3 * MS);
        assertThat(b.waiting()).isEqualTo(900);
        assertThat(b.update(3 * MS)).isTrue();
        assertThat(b.open()).isTrue();
        assertThat(b.allowance(0)).isEqualTo(700);
    }

    @Test
    void everyModelPublishesItsOwnVersions() {
        ReadAheadSource.Bound b = new ReadAheadSource.Bound(1_000, 10, 100, 3);
        b.messages(0, 0);
        b.emitted(0, 1_500, 1_500);
        b.messages(3, 1 * MS); // one version of each of 3 models: 100 rows trained, not 300
        assertThat(b.waiting()).isEqualTo(1_400);
        assertThat(b.update(1 * MS)).isTrue();
        b.messages(6, 2 * MS);
        b.messages(9, 3 * MS);
        b.messages(12, 4 * MS);
        assertThat(b.waiting()).isEqualTo(1_100);
        b.messages(15, 5 * MS);
        assertThat(b.update(5 * MS)).isFalse();
        b.messages(18, 6 * MS);
        assertThat(b.waiting()).isEqualTo(900);
        assertThat(b.update(6 * MS)).isTrue();
        assertThat(b.open()).isTrue();
    }

    @Test
    void rowsEmittedBeforeTheTopicWasFirstReadAreNotCountedAgainstLaterVersions() {
        ReadAheadSource.Bound b = bound();
        b.emitted(0, 5_000, 5_000);
        b.messages(0, 0);
        b.emitted(0, 5_900, 5_900);
        assertThat(b.waiting()).isEqualTo(900);
    }

    @Test
    void aRestartedReaderCountsFromZeroWithoutLeavingItsOldRowsInTheSum() {
        ReadAheadSource.Bound b = bound();
        b.messages(0, 0);
        b.emitted(0, 800, 800);
        b.emitted(1, 150, 150);
        b.readerStarted(1);
        assertThat(b.waiting()).isEqualTo(800);
        b.emitted(1, 100, 100);
        assertThat(b.waiting()).isEqualTo(900);
    }

    @Test
    void pausedWithoutANewVersionForLongTheReadersResumeAndTheEstimateStartsAgain() {
        ReadAheadSource.Bound b = bound();
        b.messages(0, 0);
        // versions every 10 ms: the stall allowance is then the floor, 1 s
        b.messages(1, 10 * MS);
        b.messages(2, 20 * MS);
        b.messages(3, 30 * MS);
        b.emitted(0, 1_500, 1_500); // 300 trained, 1,200 waiting (say 200 of them rejected rows)
        assertThat(b.update(40 * MS)).isTrue();
        assertThat(b.open()).isFalse();
        assertThat(b.stallNanos()).isEqualTo(ReadAheadSource.MIN_STALL.toNanos());
        assertThat(b.update(1_000 * MS)).isFalse();
        assertThat(b.open()).isFalse();
        assertThat(b.update(1_041 * MS)).isTrue();
        assertThat(b.open()).isTrue();
        assertThat(b.waiting()).isZero();
        b.emitted(0, 2_400, 2_400);
        assertThat(b.update(1_050 * MS)).isFalse();
        b.emitted(0, 2_501, 2_501);
        assertThat(b.update(1_060 * MS)).isTrue();
    }

    @Test
    void slowVersionsGetAProportionateAllowanceAndTheFirstOneALongOne() {
        ReadAheadSource.Bound b = bound();
        b.messages(0, 0);
        assertThat(b.stallNanos()).isEqualTo(ReadAheadSource.FIRST_VERSION_STALL.toNanos());
        b.messages(1, 5_000 * MS);
        b.messages(2, 5_400 * MS);
        b.messages(3, 5_800 * MS);
        // 400 ms between versions: 5 x 400 ms
        assertThat(b.stallNanos()).isEqualTo(2_000 * MS);
    }

    @Test
    void allowsNothingUntilTheTopicHasBeenReadAndEverythingWhenItCannotBe() {
        ReadAheadSource.Bound b = bound();
        assertThat(b.allowance(0)).isZero();
        assertThat(b.forceOpen()).isTrue();
        assertThat(b.forceOpen()).isFalse();
        assertThat(b.allowance(0)).isEqualTo(Long.MAX_VALUE);
        b.emitted(0, 5_000, 5_000);
        assertThat(b.allowance(0)).isEqualTo(Long.MAX_VALUE);
    }
}
