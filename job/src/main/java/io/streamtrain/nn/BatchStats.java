package io.streamtrain.nn;

/** Running totals of a scoring pass: rows, summed loss and correct predictions. Mutable and reused. */
public final class BatchStats {
    private long rows;
    private double lossSum;
    private long correct;

    public void reset() {
        rows = 0;
        lossSum = 0;
        correct = 0;
    }

    void add(long rows, double lossSum, long correct) {
        this.rows += rows;
        this.lossSum += lossSum;
        this.correct += correct;
    }

    public long rows() {
        return rows;
    }

    public double lossSum() {
        return lossSum;
    }

    public long correct() {
        return correct;
    }

    public double meanLoss() {
        return rows == 0 ? Double.NaN : lossSum / rows;
    }

    public double accuracy() {
        return rows == 0 ? Double.NaN : (double) correct / rows;
    }
}
