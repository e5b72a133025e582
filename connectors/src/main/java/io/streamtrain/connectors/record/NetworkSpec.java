package io.streamtrain.connectors.record;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;

/**
 * What the {@code architecture} column of a snapshot holds: enough to rebuild the network and score
 * with it outside streamtrain (in SQL, say).
 *
 * <pre>
 *   {"layers":[2,2,2],"hidden":"relu","output":"softmax","loss":"cross-entropy","features":["x1","x2"]}
 * </pre>
 *
 * Layer l (from 1) computes {@code a_l = f(a_{l-1} W_l + b_l)} with {@code W_l[i][j]} from input unit
 * i to output unit j; {@code f} is {@code hidden} for every layer but the last, {@code output} for
 * the last (softmax, sigmoid or identity). {@code features} names the input columns in order; a
 * snapshot written before names were stored reads as {@code x1..xn}.
 *
 * @param layers layer sizes, input first
 * @param hidden activation of the hidden layers: relu, sigmoid, tanh or identity
 * @param output activation of the output layer: softmax, sigmoid or identity
 * @param loss the training loss: cross-entropy or mse
 * @param features names of the input features, one per input unit
 */
public record NetworkSpec(int[] layers, String hidden, String output, String loss, List<String> features) {

    private static final ObjectMapper JSON = new ObjectMapper();

    public NetworkSpec {
        Objects.requireNonNull(layers, "layers");
        if (layers.length < 2) {
            throw new IllegalArgumentException("a network needs at least two layer sizes, got " + Arrays.toString(layers));
        }
        layers = layers.clone();
        features = features == null ? defaultFeatures(layers[0]) : List.copyOf(features);
        if (features.size() != layers[0]) {
            throw new IllegalArgumentException(features.size() + " feature names for " + layers[0] + " inputs: "
                    + features);
        }
    }

    /** {@code x1..xn}: the feature names when none are configured. */
    public static List<String> defaultFeatures(int inputs) {
        List<String> names = new ArrayList<>(inputs);
        for (int k = 1; k <= inputs; k++) {
            names.add("x" + k);
        }
        return names;
    }

    public int inputs() {
        return layers[0];
    }

    public int outputs() {
        return layers[layers.length - 1];
    }

    @Override
    public int[] layers() {
        return layers.clone();
    }

    /** The JSON form stored with every snapshot (keys in a fixed order). */
    public String toJson() {
        ObjectNode root = JSON.createObjectNode();
        ArrayNode sizes = root.putArray("layers");
        for (int s : layers) {
            sizes.add(s);
        }
        root.put("hidden", hidden);
        root.put("output", output);
        root.put("loss", loss);
        ArrayNode names = root.putArray("features");
        features.forEach(names::add);
        try {
            return JSON.writeValueAsString(root);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * Reads the JSON form.
     *
     * @throws IllegalArgumentException when it is not such a description
     */
    public static NetworkSpec fromJson(String json) {
        if (json == null || json.isBlank()) {
            throw new IllegalArgumentException("no architecture stored");
        }
        try {
            JsonNode root = JSON.readTree(json);
            JsonNode sizes = root.path("layers");
            if (!sizes.isArray()) {
                throw new IllegalArgumentException("the architecture has no \"layers\" list: " + json);
            }
            int[] layers = new int[sizes.size()];
            for (int k = 0; k < layers.length; k++) {
                layers[k] = sizes.get(k).asInt();
            }
            List<String> features = null;
            if (root.path("features").isArray()) {
                features = new ArrayList<>();
                for (JsonNode n : root.path("features")) {
                    features.add(n.asText());
                }
            }
            return new NetworkSpec(layers, text(root, "hidden", json), text(root, "output", json),
                    root.path("loss").asText(""), features);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("the architecture is not JSON: " + e.getOriginalMessage(), e);
        }
    }

    private static String text(JsonNode root, String key, String json) {
        if (!root.path(key).isTextual()) {
            throw new IllegalArgumentException("the architecture has no \"" + key + "\": " + json);
        }
        return root.path(key).asText();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof NetworkSpec n && Arrays.equals(layers, n.layers) && hidden.equals(n.hidden)
                && output.equals(n.output) && Objects.equals(loss, n.loss) && features.equals(n.features);
    }

    @Override
    public int hashCode() {
        return Objects.hash(Arrays.hashCode(layers), hidden, output, loss, features);
    }

    @Override
    public String toString() {
        return toJson();
    }
}
