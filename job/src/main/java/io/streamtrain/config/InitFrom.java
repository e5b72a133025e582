package io.streamtrain.config;

import io.streamtrain.connectors.jdbc.SqlIdentifiers;
import java.io.Serializable;

/**
 * A stored snapshot to warm-start from: {@code MODEL:VERSION}, or {@code MODEL:latest}. The model
 * is checked as a stored model id (not as a configured one), so a snapshot written under the
 * sink's looser rule can still be named.
 *
 * @param model the model id
 * @param version the version, or {@link #LATEST} for the newest stored one
 * @param key the setting it came from ({@code model.init-from} or {@code models.<id>.model.init-from}),
 *     named in messages about it
 */
public record InitFrom(String model, long version, String key) implements Serializable {

    /** The newest stored version. */
    public static final long LATEST = -1;

    /**
     * Parses {@code MODEL:VERSION} or {@code MODEL:latest}.
     *
     * @param key the setting it came from, named in the error
     * @throws ConfigException when it is neither
     */
    public static InitFrom parse(String text, String key) {
        int colon = text.lastIndexOf(':');
        if (colon <= 0 || colon == text.length() - 1) {
            throw new ConfigException(key + ": expected MODEL:VERSION or MODEL:latest, got '" + text + "'");
        }
        String model = text.substring(0, colon);
        String version = text.substring(colon + 1);
        try {
            SqlIdentifiers.modelId(model, key);
        } catch (IllegalArgumentException e) {
            throw new ConfigException(e.getMessage());
        }
        if (version.equalsIgnoreCase("latest")) {
            return new InitFrom(model, LATEST, key);
        }
        try {
            long v = Long.parseLong(version);
            if (v < 0) {
                throw new NumberFormatException();
            }
            return new InitFrom(model, v, key);
        } catch (NumberFormatException e) {
            throw new ConfigException(key + ": the version in '" + text + "' must be a number >= 0 or 'latest'");
        }
    }

    @Override
    public String toString() {
        return model + ":" + (version == LATEST ? "latest" : Long.toString(version));
    }
}
