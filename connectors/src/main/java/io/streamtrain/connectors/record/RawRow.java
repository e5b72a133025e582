package io.streamtrain.connectors.record;

/** One Kafka record of the rows topic as it arrived: the raw bytes and where they came from. */
public record RawRow(byte[] value, String topic, int partition, long offset) {}
