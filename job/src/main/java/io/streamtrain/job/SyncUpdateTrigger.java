package io.streamtrain.job;

import org.apache.flink.api.common.state.MapState;
import org.apache.flink.api.common.state.MapStateDescriptor;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.streaming.api.windowing.triggers.Trigger;
import org.apache.flink.streaming.api.windowing.triggers.TriggerResult;
import org.apache.flink.streaming.api.windowing.windows.GlobalWindow;

/**
 * The updater's window in synchronous mode ({@code training.consistency: sync}): fires, and purges,
 * once every one of the {@code shards} shards has a gradient block with rows in the window or has
 * ended its input. With one block in flight per shard this makes every version one block from every
 * shard, all computed on the previous version: plain mini-batch gradient descent on their union.
 * There is no timeout: a version waits for its slowest shard, which is the price of sync mode.
 *
 * <p>An end-of-input marker fires the window at once only when no shard has rows waiting in it
 * (so that the updater counts the ended shard); otherwise it waits in the window for the other
 * shards' blocks, so that the last versions too take one block from every shard that has one.
 * Blocks without rows (they only carry rejections) ride along and never complete a window.
 */
public final class SyncUpdateTrigger extends Trigger<GradientBlock, GlobalWindow> {
    private static final long serialVersionUID = 1L;

    private final int shards;
    private final MapStateDescriptor<Integer, Boolean> inWindowDescriptor =
            new MapStateDescriptor<>("sync-window-shards", Types.INT, Types.BOOLEAN);
    private final MapStateDescriptor<Integer, Boolean> endedDescriptor =
            new MapStateDescriptor<>("sync-ended-shards", Types.INT, Types.BOOLEAN);

    public SyncUpdateTrigger(int shards) {
        if (shards < 1) {
            throw new IllegalArgumentException("shards must be >= 1, got " + shards);
        }
        this.shards = shards;
    }

    @Override
    public TriggerResult onElement(GradientBlock element, long timestamp, GlobalWindow window, TriggerContext ctx)
            throws Exception {
        MapState<Integer, Boolean> inWindow = ctx.getPartitionedState(inWindowDescriptor);
        MapState<Integer, Boolean> ended = ctx.getPartitionedState(endedDescriptor);
        if (element.endOfInput()) {
            ended.put(element.shardKey(), true);
            if (inWindow.isEmpty()) {
                return TriggerResult.FIRE_AND_PURGE;
            }
        } else if (element.rows() > 0) {
            inWindow.put(element.shardKey(), true);
        } else {
            return TriggerResult.CONTINUE;
        }
        int covered = 0;
        for (Integer shard : inWindow.keys()) {
            covered++;
        }
        for (Integer shard : ended.keys()) {
            if (!inWindow.contains(shard)) {
                covered++;
            }
        }
        if (covered >= shards) {
            inWindow.clear();
            return TriggerResult.FIRE_AND_PURGE;
        }
        return TriggerResult.CONTINUE;
    }

    @Override
    public TriggerResult onProcessingTime(long time, GlobalWindow window, TriggerContext ctx) {
        return TriggerResult.CONTINUE;
    }

    @Override
    public TriggerResult onEventTime(long time, GlobalWindow window, TriggerContext ctx) {
        return TriggerResult.CONTINUE;
    }

    @Override
    public void clear(GlobalWindow window, TriggerContext ctx) throws Exception {
        ctx.getPartitionedState(inWindowDescriptor).clear();
    }

    @Override
    public String toString() {
        return "SyncUpdateTrigger(one block from each of " + shards + " shards, or its end marker)";
    }
}
