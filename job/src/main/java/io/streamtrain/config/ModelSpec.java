package io.streamtrain.config;

import io.streamtrain.nn.Architecture;
import io.streamtrain.nn.UpdateRule;
import java.io.Serializable;
import java.util.List;

/**
 * One model to train, resolved from the configuration: its id, network, seeded version 0, update
 * rule, a one-line description of its optimizer and the hash of every setting that shaped it.
 *
 * <p>Travels inside the operators that train and score it; never on the wire.
 *
 * @param initialParameters version 0, the same on every worker and the updater (do not mutate)
 * @param optimizer e.g. {@code adam lr 0.001 l2 0.001}, for summaries and logs
 * @param configHash hash of the shared settings and this model's own, recorded with its snapshots
 */
public record ModelSpec(String id, Architecture architecture, double[] initialParameters, UpdateRule updateRule,
        String optimizer, String configHash) implements Serializable {

    /** The ids of {@code models}, in order. */
    public static List<String> ids(List<ModelSpec> models) {
        return models.stream().map(ModelSpec::id).toList();
    }
}
