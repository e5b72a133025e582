package io.streamtrain.config;

import io.streamtrain.connectors.record.NetworkSpec;
import io.streamtrain.nn.Architecture;
import io.streamtrain.nn.UpdateRule;
import java.io.Serializable;
import java.util.List;

/**
 * One model to train, resolved from the configuration: its id, network, seeded version 0, update
 * rule, a one-line description of its optimizer, the hash of every setting that shaped it, and
 * where its timeline starts.
 *
 * <p>Travels inside the operators that train and score it; never on the wire.
 *
 * @param features names of the input features, one per input (stored with every snapshot)
 * @param initialParameters version 0, the same on every worker and the updater (do not mutate)
 * @param optimizer e.g. {@code adam lr 0.001 l2 0.001}, for summaries and logs
 * @param configHash hash of the shared settings and this model's own, recorded with its snapshots
 * @param initFrom the stored snapshot to warm-start from, or null to start from version 0
 * @param start where the timeline starts: version 0 as read from the configuration, a stored
 *     version once resolved against the sink tables (see {@code ResolveStartPoint})
 */
public record ModelSpec(String id, Architecture architecture, List<String> features, double[] initialParameters,
        UpdateRule updateRule, String optimizer, String configHash, InitFrom initFrom, StartPoint start)
        implements Serializable {

    public ModelSpec {
        features = List.copyOf(features);
        if (start.optimizerState().length != updateRule.stateSize()) {
            throw new IllegalArgumentException("model '" + id + "': the start point has "
                    + start.optimizerState().length + " optimizer state values, the optimizer needs "
                    + updateRule.stateSize());
        }
    }

    /** A model with unnamed features (x1..xn) that cold-starts from {@code initialParameters} as version 0. */
    public ModelSpec(String id, Architecture architecture, double[] initialParameters, UpdateRule updateRule,
            String optimizer, String configHash) {
        this(id, architecture, NetworkSpec.defaultFeatures(architecture.inputs()), initialParameters, updateRule,
                optimizer, configHash, null, StartPoint.cold(0, 0, initialParameters, updateRule.stateSize()));
    }

    /** This model starting from {@code newStart}. */
    public ModelSpec withStart(StartPoint newStart) {
        return new ModelSpec(id, architecture, features, initialParameters, updateRule, optimizer, configHash, initFrom,
                newStart);
    }

    /** The architecture with the input feature names: what the snapshots' architecture JSON holds. */
    public NetworkSpec networkSpec() {
        return new NetworkSpec(architecture.sizes(), architecture.hidden().configName(),
                architecture.output().configName(), architecture.loss().configName(), features);
    }

    /** The ids of {@code models}, in order. */
    public static List<String> ids(List<ModelSpec> models) {
        return models.stream().map(ModelSpec::id).toList();
    }
}
