package io.streamtrain.job;

import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.api.common.state.ValueStateDescriptor;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.streaming.api.windowing.triggers.Trigger;
import org.apache.flink.streaming.api.windowing.triggers.TriggerResult;
import org.apache.flink.streaming.api.windowing.windows.GlobalWindow;

/**
 * Fires the updater's window, and purges it, when {@code blocks} gradient blocks have arrived,
 * when the oldest has waited {@code timeoutMillis}, or when a shard's end-of-input marker
 * arrives (the updater then checks whether every shard has ended).
 */
public final class UpdateTrigger extends Trigger<GradientBlock, GlobalWindow> {
    private static final long serialVersionUID = 1L;

    private final int blocks;
    private final long timeoutMillis;
    private final ValueStateDescriptor<Integer> countDescriptor = new ValueStateDescriptor<>("window-blocks", Types.INT);
    private final ValueStateDescriptor<Long> deadlineDescriptor = new ValueStateDescriptor<>("window-deadline", Types.LONG);

    public UpdateTrigger(int blocks, long timeoutMillis) {
        this.blocks = blocks;
        this.timeoutMillis = timeoutMillis;
    }

    @Override
    public TriggerResult onElement(GradientBlock element, long timestamp, GlobalWindow window, TriggerContext ctx)
            throws Exception {
        if (element.endOfInput()) {
            clearWindow(ctx);
            return TriggerResult.FIRE_AND_PURGE;
        }
        ValueState<Integer> count = ctx.getPartitionedState(countDescriptor);
        int n = count.value() == null ? 1 : count.value() + 1;
        if (n >= blocks) {
            clearWindow(ctx);
            return TriggerResult.FIRE_AND_PURGE;
        }
        count.update(n);
        ValueState<Long> deadline = ctx.getPartitionedState(deadlineDescriptor);
        if (timeoutMillis > 0 && deadline.value() == null) {
            long at = ctx.getCurrentProcessingTime() + timeoutMillis;
            deadline.update(at);
            ctx.registerProcessingTimeTimer(at);
        }
        return TriggerResult.CONTINUE;
    }

    @Override
    public TriggerResult onProcessingTime(long time, GlobalWindow window, TriggerContext ctx) throws Exception {
        Long deadline = ctx.getPartitionedState(deadlineDescriptor).value();
        if (deadline == null || deadline != time) {
            return TriggerResult.CONTINUE;
        }
        clearWindow(ctx);
        return TriggerResult.FIRE_AND_PURGE;
    }

    @Override
    public TriggerResult onEventTime(long time, GlobalWindow window, TriggerContext ctx) {
        return TriggerResult.CONTINUE;
    }

    @Override
    public void clear(GlobalWindow window, TriggerContext ctx) throws Exception {
        clearWindow(ctx);
    }

    private void clearWindow(TriggerContext ctx) throws Exception {
        ValueState<Long> deadline = ctx.getPartitionedState(deadlineDescriptor);
        if (deadline.value() != null) {
            ctx.deleteProcessingTimeTimer(deadline.value());
            deadline.clear();
        }
        ctx.getPartitionedState(countDescriptor).clear();
    }

    @Override
    public String toString() {
        return "UpdateTrigger(blocks=" + blocks + ", timeout=" + timeoutMillis + "ms, end markers)";
    }
}
