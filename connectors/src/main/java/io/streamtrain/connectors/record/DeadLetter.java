package io.streamtrain.connectors.record;

/**
 * A row that could not be trained on: its original bytes, untouched, and the reason. Written to
 * the dead-letter topic with the reason and source position as headers.
 */
public record DeadLetter(byte[] value, String reason, String topic, int partition, long offset) {}
