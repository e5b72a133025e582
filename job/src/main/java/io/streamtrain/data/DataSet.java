package io.streamtrain.data;

import java.util.List;

/**
 * A data set as `local` and `produce` stream it: training rows and held-out rows, each as the
 * bytes of one Kafka message, so that the held-out rows can be scored from the same bytes the
 * job parses, or written to a held-out topic.
 *
 * @param description what it is, for the console (e.g. "Fashion-MNIST classes [0, 1]")
 * @param train the training rows (one pass)
 * @param holdout the held-out rows
 * @param header the column names a CSV file's header line gave; empty otherwise
 */
public record DataSet(String description, Rows train, Rows holdout, List<String> header) {}
