package io.streamtrain.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.streamtrain.compute.ComputeBackend;
import io.streamtrain.compute.OneThread;
import io.streamtrain.config.ModelSpec;
import io.streamtrain.config.StreamtrainConfig;
import io.streamtrain.config.TrainingOptions;
import io.streamtrain.nn.Architecture;
import io.streamtrain.nn.ForwardPass;
import io.streamtrain.nn.ReferenceTrainer;
import java.nio.file.Path;
import org.nd4j.linalg.api.buffer.DataType;

/**
 * The compute ceiling, in a child JVM: the in-memory reference trainer (the job's own network
 * code and update rule, no Flink, no Kafka) on one thread, over the parsed rows in topic order.
 * A step is a window of {@code training.window-blocks} gradient calls of
 * {@code training.batch-size} rows, as in the job.
 */
final class ComputeCeiling {
    private ComputeCeiling() {}

    static ObjectNode run(JsonNode request) throws Exception {
        StreamtrainConfig config = StreamtrainConfig.of(Json.stringMap(request.get("config")));
        DataFile.Arrays train = DataFile.read(Path.of(request.get("data").asText()));
        DataFile.Arrays holdout = DataFile.read(Path.of(request.get("holdout").asText()));
        int runs = request.get("runs").asInt();
        OneThread.forNd4j();
        ModelSpec model = config.models().get(0);
        Architecture arch = model.architecture();
        int batch = config.get(TrainingOptions.BATCH_SIZE);
        int window = config.windowBlocks();
        DataType dtype = config.get(TrainingOptions.DTYPE).equals("float64") ? DataType.DOUBLE : DataType.FLOAT;
        int f = train.features();
        int lw = train.labelWidth();
        float[] x = new float[batch * f];
        float[] y = new float[batch * lw];

        ObjectNode out = Json.MAPPER.createObjectNode();
        out.put("threads", 1);
        // what the ceiling ran on: the CPU, or the GPU of a build with -Pcuda (STREAMTRAIN_PROFILE=cuda)
        ComputeBackend.Loaded loaded = ComputeBackend.loaded();
        out.put("nd4j_backend", loaded.device() + " [ND4J " + loaded.backend() + "]");
        ArrayNode results = out.putArray("runs");
        for (int run = 0; run < runs; run++) {
            ReferenceTrainer trainer = ReferenceTrainer.on(config.computeBackend(), arch, model.updateRule(),
                    model.initialParameters(), dtype, batch);
            long t0 = System.nanoTime();
            int blocks = 0;
            long stepRows = 0;
            for (int r = 0; r < train.rows(); r += batch) {
                int n = Math.min(batch, train.rows() - r);
                System.arraycopy(train.x(), r * f, x, 0, n * f);
                System.arraycopy(train.y(), r * lw, y, 0, n * lw);
                trainer.accumulate(x, y, n);
                stepRows += n;
                if (++blocks == window) {
                    trainer.apply(stepRows);
                    blocks = 0;
                    stepRows = 0;
                }
            }
            if (blocks > 0) {
                trainer.apply(stepRows);
            }
            double seconds = (System.nanoTime() - t0) / 1e9;
            ObjectNode result = results.addObject();
            result.put("rows", train.rows());
            result.put("seconds", seconds);
            result.put("rows_per_second", train.rows() / seconds);
            result.put("steps", trainer.steps());
            result.put("prequential_accuracy", trainer.prequential().accuracy());
            result.put("holdout_accuracy", new ForwardPass(arch, trainer.parameters())
                    .accuracy(holdout.x(), holdout.y(), holdout.rows()));
        }
        return out;
    }
}
