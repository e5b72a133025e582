package io.streamtrain.connectors.kafka;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.CreateTopicsOptions;
import org.apache.kafka.clients.admin.DescribeTopicsOptions;
import org.apache.kafka.clients.admin.ListOffsetsOptions;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.TopicPartitionInfo;
import org.apache.kafka.common.errors.TopicExistsException;

/**
 * Creates topics and waits until they can be written, on any broker.
 *
 * <p>createTopics returns once the controller has accepted a topic; the partition leaders may not
 * serve it yet, and an idempotent producer's first batch to a brand-new topic can then be dropped
 * after retries (KAFKA-15591/14359; seen once: 172 of 20,000 rows lost). So this waits until
 * listOffsets, which goes to each partition's leader, answers for every partition.
 */
public final class KafkaTopics {
    private static final Duration POLL_INTERVAL = Duration.ofMillis(100);

    private KafkaTopics() {}

    /**
     * Creates the topics that do not exist yet (name -> partitions, replication factor 1 unless
     * {@code replication} says otherwise) and waits until every partition of every one answers.
     *
     * @throws TimeoutException when they are not usable within {@code timeout}
     */
    public static void create(Admin admin, Map<String, Integer> partitionsByTopic, short replication, Duration timeout)
            throws Exception {
        if (partitionsByTopic.isEmpty()) {
            return;
        }
        long deadline = System.nanoTime() + timeout.toNanos();
        List<NewTopic> newTopics = new ArrayList<>();
        partitionsByTopic.forEach((name, partitions) -> newTopics.add(new NewTopic(name, partitions, replication)));
        var results = admin.createTopics(newTopics, new CreateTopicsOptions().timeoutMs(remainingMs(deadline))).values();
        for (var entry : results.entrySet()) {
            try {
                entry.getValue().get(remainingMs(deadline), TimeUnit.MILLISECONDS);
            } catch (ExecutionException e) {
                // an existing topic is fine (idempotent setup); anything else is a real failure
                if (!(e.getCause() instanceof TopicExistsException)) {
                    throw new IllegalStateException("Creating topic " + entry.getKey() + " failed: "
                            + e.getCause().getMessage(), e.getCause());
                }
            }
        }
        awaitUsable(admin, partitionsByTopic.keySet(), deadline, timeout);
    }

    /** The number of partitions of {@code topic}, once every one answers; fails when it does not exist. */
    public static int partitions(Admin admin, String topic, Duration timeout) throws Exception {
        long deadline = System.nanoTime() + timeout.toNanos();
        awaitUsable(admin, Set.of(topic), deadline, timeout);
        return describe(admin, Set.of(topic), deadline).get(topic).partitions().size();
    }

    /** Whether {@code topic} exists. */
    public static boolean exists(Admin admin, String topic, Duration timeout) throws Exception {
        return admin.listTopics().names().get(timeout.toMillis(), TimeUnit.MILLISECONDS).contains(topic);
    }

    private static void awaitUsable(Admin admin, Set<String> topics, long deadline, Duration timeout) throws Exception {
        Exception lastProblem = null;
        while (true) {
            try {
                if (usable(admin, topics, deadline)) {
                    return;
                }
                lastProblem = null;
            } catch (ExecutionException | TimeoutException e) {
                lastProblem = e; // e.g. UnknownTopicOrPartition while metadata propagates
            }
            if (System.nanoTime() > deadline) {
                throw new TimeoutException("Topics " + topics + " did not get leaders and offsets within " + timeout
                        + (lastProblem == null ? "" : ": " + lastProblem));
            }
            Thread.sleep(POLL_INTERVAL.toMillis());
        }
    }

    private static boolean usable(Admin admin, Set<String> topics, long deadline) throws Exception {
        Map<TopicPartition, OffsetSpec> request = new HashMap<>();
        for (TopicDescription d : describe(admin, topics, deadline).values()) {
            for (TopicPartitionInfo p : d.partitions()) {
                if (p.leader() == null || p.leader().isEmpty()) {
                    return false;
                }
                request.put(new TopicPartition(d.name(), p.partition()), OffsetSpec.latest());
            }
        }
        // listOffsets goes to the partition leader itself, so it proves the leader is serving,
        // not just that the controller has elected one
        admin.listOffsets(request, new ListOffsetsOptions().timeoutMs(remainingMs(deadline)))
                .all().get(remainingMs(deadline), TimeUnit.MILLISECONDS);
        return true;
    }

    private static Map<String, TopicDescription> describe(Admin admin, Set<String> topics, long deadline)
            throws Exception {
        return admin.describeTopics(topics, new DescribeTopicsOptions().timeoutMs(remainingMs(deadline)))
                .allTopicNames().get(remainingMs(deadline), TimeUnit.MILLISECONDS);
    }

    private static int remainingMs(long deadline) {
        return (int) Math.max(1, Math.min(Integer.MAX_VALUE, (deadline - System.nanoTime()) / 1_000_000));
    }
}
