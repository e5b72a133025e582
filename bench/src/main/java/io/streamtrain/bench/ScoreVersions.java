package io.streamtrain.bench;

import io.streamtrain.connectors.format.ModelVersionFormat;
import io.streamtrain.connectors.record.ModelVersion;
import io.streamtrain.nn.Architecture;
import io.streamtrain.nn.DenseNetwork;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.nd4j.linalg.api.buffer.DataType;

/**
 * Finds when a run first reached the target accuracy: reads the run's versions back from its
 * parameters topic (the feedback topic holds every version the updater published, with its
 * publication time) and scores them on the held-out rows, after the run, so that the job does no
 * extra work. Scored in batches with the job's own network code ({@link DenseNetwork}, float32 as
 * the job computes), which is fast enough to score every held-out row of tens of versions. Versions rather than snapshots: the snapshot interval is
 * too coarse for a time to target, and writing more snapshots would slow the job down.
 *
 * <p>Every {@code stride}-th version is scored (about {@value #COARSE} of them); the interval
 * before the first one at the target is then bisected, which is exact when accuracy rises
 * through the target once, as it does on these workloads.
 */
final class ScoreVersions {
    static final int COARSE = 40;
    private static final Duration POLL = Duration.ofMillis(500);
    private static final Duration DEADLINE = Duration.ofMinutes(5);

    /**
     * @param seconds seconds from the first row read to the publication of the first version at the
     *     target; NaN when no version reached it
     * @param version that version
     * @param scored versions scored on the way
     */
    record TimeToTarget(double seconds, long version, int scored) {}

    /** Where one version lies on the topic and when it was published. */
    private record Entry(long offset, long version, long publishedAtMillis) {}

    private final String bootstrap;
    private final int maxMessageBytes;

    ScoreVersions(String bootstrap, int maxMessageBytes) {
        this.bootstrap = bootstrap;
        this.maxMessageBytes = maxMessageBytes;
    }

    TimeToTarget timeToTarget(String topic, Architecture arch, DataFile.Arrays holdout, double target,
            long firstRowMillis) {
        Scorer scorer = new Scorer(arch, holdout);
        TopicPartition tp = new TopicPartition(topic, 0);
        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(props())) {
            consumer.assign(List.of(tp));
            consumer.seekToBeginning(List.of(tp));
            long end = consumer.endOffsets(List.of(tp)).get(tp);
            int stride = (int) Math.max(1, end / COARSE);
            List<Entry> entries = new ArrayList<>();
            int scored = 0;
            Entry lastMiss = null;
            Entry hit = null;
            long deadline = System.nanoTime() + DEADLINE.toNanos();
            while (consumer.position(tp) < end && hit == null) {
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException("reading " + topic + " took longer than " + DEADLINE);
                }
                for (ConsumerRecord<byte[], byte[]> r : consumer.poll(POLL)) {
                    if (hit != null) {
                        break;
                    }
                    ModelVersion v = ModelVersionFormat.decode(r.value());
                    Entry e = new Entry(r.offset(), v.version(), v.publishedAtMillis());
                    entries.add(e);
                    if (entries.size() % stride == 0 || r.offset() == end - 1 || v.last()) {
                        scored++;
                        if (scorer.accuracy(v.parameters()) >= target) {
                            hit = e;
                        } else {
                            lastMiss = e;
                        }
                    }
                }
            }
            if (hit == null) {
                return new TimeToTarget(Double.NaN, -1, scored);
            }
            // bisect between the last miss and the hit (entries lie in offset order)
            int lo = lastMiss == null ? -1 : entries.indexOf(lastMiss);
            int hi = entries.indexOf(hit);
            while (hi - lo > 1) {
                int mid = (lo + hi) >>> 1;
                ModelVersion v = fetch(consumer, tp, entries.get(mid).offset());
                scored++;
                if (scorer.accuracy(v.parameters()) >= target) {
                    hi = mid;
                } else {
                    lo = mid;
                }
            }
            Entry first = entries.get(hi);
            return new TimeToTarget((first.publishedAtMillis() - firstRowMillis) / 1000.0, first.version(), scored);
        }
    }

    private ModelVersion fetch(KafkaConsumer<byte[], byte[]> consumer, TopicPartition tp, long offset) {
        consumer.seek(tp, offset);
        long deadline = System.nanoTime() + DEADLINE.toNanos();
        while (System.nanoTime() < deadline) {
            for (ConsumerRecord<byte[], byte[]> r : consumer.poll(POLL)) {
                if (r.offset() == offset) {
                    return ModelVersionFormat.decode(r.value());
                }
            }
        }
        throw new IllegalStateException("could not read offset " + offset + " of " + tp);
    }

    /** Accuracy of parameter vectors on the held-out rows, a batch of rows at a time. */
    private static final class Scorer {
        private static final int BATCH = 1_000;
        private final DenseNetwork network;
        private final DataFile.Arrays holdout;
        private final float[] x;
        private final float[] y;

        Scorer(Architecture arch, DataFile.Arrays holdout) {
            this.network = new DenseNetwork(arch, DataType.FLOAT, BATCH);
            this.holdout = holdout;
            this.x = new float[BATCH * holdout.features()];
            this.y = new float[BATCH * holdout.labelWidth()];
        }

        double accuracy(double[] parameters) {
            network.setParameters(parameters);
            long correct = 0;
            for (int r = 0; r < holdout.rows(); r += BATCH) {
                int n = Math.min(BATCH, holdout.rows() - r);
                System.arraycopy(holdout.x(), r * holdout.features(), x, 0, n * holdout.features());
                System.arraycopy(holdout.y(), r * holdout.labelWidth(), y, 0, n * holdout.labelWidth());
                correct += network.score(x, y, n).correct();
            }
            return (double) correct / holdout.rows();
        }
    }

    private Properties props() {
        Properties p = new Properties();
        p.put("bootstrap.servers", bootstrap);
        p.put("key.deserializer", ByteArrayDeserializer.class.getName());
        p.put("value.deserializer", ByteArrayDeserializer.class.getName());
        p.put("max.partition.fetch.bytes", Integer.toString(maxMessageBytes));
        p.put("fetch.max.bytes", Integer.toString(maxMessageBytes));
        p.put("max.poll.records", "64");
        p.put("enable.auto.commit", "false");
        return p;
    }
}
