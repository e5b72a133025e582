package io.streamtrain.job;

import io.streamtrain.config.ConfigException;
import io.streamtrain.config.InitFrom;
import io.streamtrain.config.ModelSpec;
import io.streamtrain.config.SinkOptions;
import io.streamtrain.config.StartPoint;
import io.streamtrain.config.StreamtrainConfig;
import io.streamtrain.connectors.jdbc.JdbcUrls;
import io.streamtrain.connectors.jdbc.SnapshotReader;
import io.streamtrain.connectors.record.ModelSnapshot;
import io.streamtrain.connectors.record.NetworkSpec;
import io.streamtrain.nn.UpdateRule;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Decides where each configured model's timeline starts, from the configuration and what the sink
 * tables already hold, when the job is built (a job restored from a checkpoint or savepoint ignores
 * it: its state says where it is). Each model of a models list is resolved on its own.
 *
 * <ul>
 *   <li>The new timeline's generation is higher than any stored for the model (and than the
 *       warm-start source's), and its versions count on after the newest stored version of the
 *       model: a new run never overwrites an earlier run's snapshots, and the table shows a
 *       rollback as a new branch of versions, its {@code parent_model}/{@code parent_version}
 *       naming where it branched. This holds for a model that starts cold, too.
 *   <li>{@code model.init-from} MODEL:VERSION (or a model's {@code models.<id>.model.init-from})
 *       restores that version's parameters, and its optimizer state and step when the stored
 *       optimizer is the configured one with state of the same size. Otherwise the optimizer state
 *       starts at zero (and so does the step of an optimizer with state, whose bias correction
 *       counts from its first step); a stateless one such as SGD keeps the step, so the
 *       learning-rate schedule continues.
 *   <li>Not restored: Kafka offsets (the rows source starts where it is configured to), counters
 *       (rows trained, staleness, ... count from zero for the new timeline), the configuration.
 * </ul>
 */
public final class ResolveStartPoint {
    private static final Logger LOG = LoggerFactory.getLogger(ResolveStartPoint.class);

    private ResolveStartPoint() {}

    /**
     * Every configured model, in order, with where it starts.
     *
     * @throws ConfigException naming the model's init-from key when the snapshot is not there, has
     *     no cells any more, or does not fit the model's architecture
     * @throws SQLException when the sink database cannot be read
     */
    public static List<ModelSpec> resolve(StreamtrainConfig config) throws SQLException {
        String url = config.get(SinkOptions.URL);
        String prefix = config.get(SinkOptions.TABLE_PREFIX);
        List<ModelSpec> out = new ArrayList<>();
        for (ModelSpec model : config.models()) {
            out.add(model.withStart(resolve(model, url, prefix)));
        }
        return out;
    }

    /** Where {@code model} starts, given the snapshots in the tables at {@code url}. */
    static StartPoint resolve(ModelSpec model, String url, String prefix) throws SQLException {
        String id = model.id();
        UpdateRule rule = model.updateRule();
        Optional<SnapshotReader.Head> head = SnapshotReader.head(url, prefix, id);
        InitFrom from = model.initFrom();
        if (from == null) {
            if (head.isEmpty()) {
                return StartPoint.cold(0, 0, model.initialParameters(), rule.stateSize());
            }
            StartPoint start = StartPoint.cold(head.get().generation() + 1, head.get().version(),
                    model.initialParameters(), rule.stateSize());
            LOG.warn("model '{}' already has snapshots up to version {} (generation {}) in {}: this cold start "
                            + "continues after them as generation {} (set model.init-from to start from one of them)",
                    id, head.get().version(), head.get().generation(), JdbcUrls.redact(url), start.generation());
            return start;
        }
        String key = from.key();
        Optional<ModelSnapshot> found = from.version() == InitFrom.LATEST
                ? SnapshotReader.latest(url, prefix, from.model())
                : SnapshotReader.version(url, prefix, from.model(), from.version());
        ModelSnapshot source = found.orElseThrow(() -> new ConfigException(key + ": no snapshot " + from + " in "
                + JdbcUrls.redact(url) + (prefix.isEmpty() ? "" : " (sink.table-prefix " + prefix + ")")));
        if (source.parameters() == null) {
            throw new ConfigException(key + ": the parameter cells of " + source.model() + ":" + source.version()
                    + " were removed by retention (sink.retain-versions); start from a version whose cells_retired "
                    + "is false");
        }
        checkArchitecture(model, source, key);
        long step = source.optimizerStep() >= 0 ? source.optimizerStep() : source.version();
        double[] state = new double[rule.stateSize()];
        String configured = rule.optimizer().name();
        if (state.length > 0) {
            double[] stored = source.optimizerState();
            if (stored != null && configured.equals(source.optimizer()) && stored.length == state.length) {
                state = stored.clone();
            } else {
                LOG.warn("model '{}': {} has no stored {} state ({}); the optimizer starts with zero state at step 0",
                        id, from, configured, stored == null ? "none stored"
                                : "stored: " + source.optimizer() + ", " + stored.length + " values");
                step = 0;
            }
        }
        long generation = Math.max(source.generation(), head.map(SnapshotReader.Head::generation).orElse(-1L)) + 1;
        long version = Math.max(source.version(), head.map(SnapshotReader.Head::version).orElse(0L));
        StartPoint start = new StartPoint(generation, version, step, source.parameters(), state, source.model(),
                source.version());
        LOG.info("model '{}': {}", id, start);
        return start;
    }

    /** The stored version must be the model's network: same layer sizes and activations. */
    private static void checkArchitecture(ModelSpec model, ModelSnapshot source, String key) {
        NetworkSpec want = model.networkSpec();
        int[] sizes = source.layerSizes();
        String stored = Arrays.toString(sizes);
        boolean fits = Arrays.equals(sizes, want.layers());
        if (fits && source.architectureJson() != null) {
            try {
                NetworkSpec have = NetworkSpec.fromJson(source.architectureJson());
                fits = have.hidden().equals(want.hidden()) && have.output().equals(want.output());
                stored = have.toJson();
            } catch (IllegalArgumentException e) {
                // an architecture column from before it was JSON: the layer sizes decide
            }
        }
        if (!fits) {
            String prefix = key.substring(0, key.length() - "init-from".length());
            throw new ConfigException(key + ": " + source.model() + ":" + source.version() + " is " + stored
                    + ", model '" + model.id() + "' is " + want.toJson() + "; set " + prefix + "layers, " + prefix
                    + "hidden-activation and " + prefix + "output to match it");
        }
    }
}
