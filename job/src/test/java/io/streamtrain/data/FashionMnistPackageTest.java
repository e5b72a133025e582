package io.streamtrain.data;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.util.List;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The files of Debian's dataset-fashion-mnist package, as the data sets read them. */
class FashionMnistPackageTest {

    @BeforeAll
    static void packageInstalled() {
        if (!Files.isRegularFile(FashionMnist.DEFAULT_DIR.resolve("train-images-idx3-ubyte.gz"))) {
            System.err.println("SKIPPED FashionMnistPackageTest: " + FashionMnist.DEFAULT_DIR + " is missing; install "
                    + "the Debian package " + FashionMnist.PACKAGE + " (.ci/run does)");
            Assumptions.abort(FashionMnist.PACKAGE + " is not installed");
        }
    }

    @Test
    void allTenClassesAndTheTwoClassTask() throws Exception {
        DataSet all = FashionMnist.load(FashionMnist.DEFAULT_DIR, List.of(), List.of());
        assertThat(all.train().size()).isEqualTo(60_000);
        assertThat(all.holdout().size()).isEqualTo(10_000);
        RowFormat format = CsvRowFormat.positional(new RowSchema(784, 1, 10, List.of(), 1 / 255.0, 255, 1 << 20));
        float[] x = new float[784];
        float[] y = new float[1];
        int[] perClass = new int[10];
        for (int i = 0; i < all.holdout().size(); i++) {
            assertThat(format.parse(all.holdout().get(i), x, 0, y, 0)).isNull();
            perClass[(int) y[0]]++;
        }
        // the test set has 1,000 images of every class; its first one is an ankle boot (9)
        assertThat(perClass).containsOnly(1000);
        format.parse(all.holdout().get(0), x, 0, y, 0);
        assertThat(y[0]).isEqualTo(9f);
        for (float v : x) {
            assertThat(v).isBetween(0f, 1f);
        }

        DataSet pair = FashionMnist.load(FashionMnist.DEFAULT_DIR, List.of(0, 1), List.of());
        assertThat(pair.train().size()).isEqualTo(12_000);
        assertThat(pair.holdout().size()).isEqualTo(2_000);
    }
}
