package io.streamtrain.job;

import java.io.Serializable;

/** When the updater writes a snapshot: every N versions, every T milliseconds, and always the final one. */
public record SnapshotPolicy(int everyVersions, long everyMillis) implements Serializable {

    /** Whether a snapshot is due at {@code version}, the previous one having been at {@code lastVersion}. */
    public boolean due(long version, long lastVersion, long millisSinceLast) {
        if (everyVersions > 0 && version - lastVersion >= everyVersions) {
            return true;
        }
        return everyMillis > 0 && millisSinceLast >= everyMillis;
    }
}
