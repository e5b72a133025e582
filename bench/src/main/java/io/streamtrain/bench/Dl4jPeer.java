package io.streamtrain.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.streamtrain.config.ModelOptions;
import io.streamtrain.config.OptimizerOptions;
import io.streamtrain.config.StreamtrainConfig;
import io.streamtrain.config.TrainingOptions;
import io.streamtrain.nn.Architecture;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.nn.weights.WeightInit;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.learning.config.IUpdater;
import org.nd4j.linalg.learning.config.Sgd;
import org.nd4j.linalg.lossfunctions.LossFunctions;
import org.nd4j.linalg.schedule.ISchedule;
import org.nd4j.linalg.schedule.ScheduleType;
import org.nd4j.linalg.schedule.StepSchedule;

/**
 * The DL4J peer, in a child JVM: a {@link MultiLayerNetwork} with the same layers, activations,
 * loss, optimizer, learning-rate schedule, L2 and step size (window x batch rows) as the job,
 * trained in memory over the same parsed rows in the same order, as a DL4J user writes it: the
 * rows cut into {@link DataSet} mini-batches up front, then {@code fit} on each.
 */
final class Dl4jPeer {
    private Dl4jPeer() {}

    static ObjectNode run(JsonNode request) throws Exception {
        StreamtrainConfig config = StreamtrainConfig.of(Json.stringMap(request.get("config")));
        int threads = request.get("threads").asInt();
        int runs = request.get("runs").asInt();
        Nd4j.getEnvironment().setMaxThreads(threads);
        Nd4j.setDefaultDataTypes(DataType.FLOAT, DataType.FLOAT);
        Architecture arch = config.architecture();
        if (!arch.isClassifier()) {
            throw new IllegalArgumentException("the DL4J peer covers softmax classifiers only");
        }
        DataFile.Arrays train = DataFile.read(Path.of(request.get("data").asText()));
        DataFile.Arrays holdout = DataFile.read(Path.of(request.get("holdout").asText()));
        int step = config.get(TrainingOptions.BATCH_SIZE) * config.windowBlocks();
        List<DataSet> batches = new ArrayList<>();
        for (int r = 0; r < train.rows(); r += step) {
            int n = Math.min(step, train.rows() - r);
            batches.add(new DataSet(features(train, r, n), oneHot(train, r, n, arch.classes())));
        }
        INDArray holdoutX = features(holdout, 0, holdout.rows());

        ObjectNode out = Json.MAPPER.createObjectNode();
        out.put("threads", threads);
        out.put("library", "deeplearning4j-nn " + MultiLayerNetwork.class.getPackage().getImplementationVersion());
        ArrayNode results = out.putArray("runs");
        for (int run = 0; run < runs; run++) {
            MultiLayerNetwork net = new MultiLayerNetwork(configuration(config, arch));
            net.init();
            long t0 = System.nanoTime();
            for (DataSet batch : batches) {
                net.fit(batch);
            }
            double seconds = (System.nanoTime() - t0) / 1e9;
            INDArray predicted = net.output(holdoutX).argMax(1);
            long correct = 0;
            for (int i = 0; i < holdout.rows(); i++) {
                if (predicted.getInt(i) == (int) holdout.y()[i]) {
                    correct++;
                }
            }
            ObjectNode result = results.addObject();
            result.put("rows", train.rows());
            result.put("seconds", seconds);
            result.put("rows_per_second", train.rows() / seconds);
            result.put("holdout_accuracy", (double) correct / holdout.rows());
        }
        return out;
    }

    static MultiLayerConfiguration configuration(StreamtrainConfig config, Architecture arch) {
        NeuralNetConfiguration.ListBuilder layers = new NeuralNetConfiguration.Builder()
                .seed(config.get(ModelOptions.SEED))
                .dataType(DataType.FLOAT)
                .updater(updater(config))
                .l2(config.get(OptimizerOptions.L2))
                .list();
        int last = arch.layers() - 1;
        for (int l = 0; l < last; l++) {
            layers.layer(new DenseLayer.Builder().nIn(arch.size(l)).nOut(arch.size(l + 1))
                    .activation(activation(config.get(ModelOptions.HIDDEN_ACTIVATION)))
                    .weightInit(weightInit(config)).build());
        }
        if (!config.get(ModelOptions.OUTPUT).equals("softmax") || !config.get(ModelOptions.LOSS).equals("cross-entropy")) {
            throw new IllegalArgumentException("the DL4J peer covers softmax + cross-entropy outputs only");
        }
        layers.layer(new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nIn(arch.size(last))
                .nOut(arch.size(last + 1)).activation(Activation.SOFTMAX).weightInit(weightInit(config)).build());
        return layers.build();
    }

    private static IUpdater updater(StreamtrainConfig config) {
        double lr = config.get(OptimizerOptions.LEARNING_RATE);
        ISchedule schedule = switch (config.get(OptimizerOptions.SCHEDULE)) {
            case "constant" -> null;
            // ours counts steps from 1 and DL4J its iterations from 0: both decay after step-size steps
            case "step" -> new StepSchedule(ScheduleType.ITERATION, lr, config.get(OptimizerOptions.SCHEDULE_GAMMA),
                    config.get(OptimizerOptions.SCHEDULE_STEP_SIZE));
            default -> throw new IllegalArgumentException("the DL4J peer covers the constant and step schedules only");
        };
        if (config.get(OptimizerOptions.CLIP_NORM) > 0) {
            throw new IllegalArgumentException("the DL4J peer does not clip gradients");
        }
        return switch (config.get(OptimizerOptions.NAME)) {
            case "sgd" -> schedule == null ? new Sgd(lr) : new Sgd(schedule);
            case "adam" -> schedule == null
                    ? new Adam(lr, config.get(OptimizerOptions.BETA1), config.get(OptimizerOptions.BETA2),
                            config.get(OptimizerOptions.EPSILON))
                    : Adam.builder().learningRateSchedule(schedule).beta1(config.get(OptimizerOptions.BETA1))
                            .beta2(config.get(OptimizerOptions.BETA2)).epsilon(config.get(OptimizerOptions.EPSILON))
                            .build();
            default -> throw new IllegalArgumentException("the DL4J peer covers sgd and adam only");
        };
    }

    private static Activation activation(String name) {
        return switch (name) {
            case "relu" -> Activation.RELU;
            case "sigmoid" -> Activation.SIGMOID;
            case "tanh" -> Activation.TANH;
            case "identity" -> Activation.IDENTITY;
            default -> throw new IllegalArgumentException("no DL4J activation for " + name);
        };
    }

    private static WeightInit weightInit(StreamtrainConfig config) {
        return switch (config.get(ModelOptions.INIT)) {
            case "he" -> WeightInit.RELU;
            case "xavier" -> WeightInit.XAVIER;
            default -> WeightInit.NORMAL;
        };
    }

    private static INDArray features(DataFile.Arrays data, int from, int n) {
        float[] x = java.util.Arrays.copyOfRange(data.x(), from * data.features(), (from + n) * data.features());
        return Nd4j.create(x, new long[] {n, data.features()}, 'c');
    }

    private static INDArray oneHot(DataFile.Arrays data, int from, int n, int classes) {
        float[] y = new float[n * classes];
        for (int i = 0; i < n; i++) {
            y[i * classes + (int) data.y()[from + i]] = 1f;
        }
        return Nd4j.create(y, new long[] {n, classes}, 'c');
    }
}
