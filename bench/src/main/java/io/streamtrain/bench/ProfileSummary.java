package io.streamtrain.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Pattern;
import jdk.jfr.consumer.RecordedEvent;
import jdk.jfr.consumer.RecordedFrame;
import jdk.jfr.consumer.RecordedStackTrace;
import jdk.jfr.consumer.RecordingFile;

/**
 * Where the time went in each child's Java Flight Recording ({@code bench --profile}): the CPU
 * samples ({@code jdk.ExecutionSample}) counted by thread (in Flink, a thread is a chain of
 * operators), by top frame (self time), and by the innermost streamtrain frame on the stack
 * (which of our methods the time is spent under). Only the samples of the measured interval
 * count (first row read to final snapshot written, or to the last block for the input
 * benchmark), so start-up and shutdown stay out. Native samples count only where ND4J or
 * streamtrain code is on the stack: the rest are threads waiting in I/O. Written next to each
 * recording as {@code <name>.txt}.
 */
final class ProfileSummary {
    private static final int TOP = 15;

    private ProfileSummary() {}

    /**
     * Summarizes {@code jfr} into {@code <name>.txt} beside it.
     *
     * @param fromMillis first wall-clock ms to count (0: from the start)
     * @param toMillis last wall-clock ms to count (0: to the end)
     */
    static Path write(Path jfr, long fromMillis, long toMillis, boolean wall) throws IOException {
        Path txt = jfr.resolveSibling(jfr.getFileName().toString().replace(".jfr", ".txt"));
        String summary = summarize(jfr, fromMillis, toMillis);
        Path collapsed = jfr.resolveSibling(jfr.getFileName().toString().replace(".jfr", ".collapsed"));
        if (Files.exists(collapsed)) {
            summary = (wall ? summarizeWall(collapsed) : summarizeCollapsed(collapsed)) + "\n" + summary;
        }
        Files.writeString(txt, summary);
        return txt;
    }

    /**
     * Summarizes the CPU samples async-profiler wrote over the measured interval ({@link
     * CpuProfile}): by thread, with the JIT compilers' and the garbage collector's threads each
     * counted as one, by top frame, and by innermost streamtrain frame. One sample is 5 ms of CPU.
     */
    static String summarizeCollapsed(Path collapsed) throws IOException {
        Map<String, Integer> threads = new HashMap<>();
        Map<String, Integer> topFrames = new HashMap<>();
        Map<String, Integer> ours = new HashMap<>();
        int total = 0;
        for (Stack stack : readCollapsed(collapsed)) {
            String[] frames = stack.frames();
            int n = stack.samples();
            total += n;
            threads.merge(threadGroup(frames[0]), n, Integer::sum);
            topFrames.merge(shortFrame(frames[frames.length - 1]), n, Integer::sum);
            String our = "(no streamtrain frame)";
            for (int i = frames.length - 1; i > 0; i--) {
                if (frames[i].startsWith("io/streamtrain/") && !frames[i].startsWith("io/streamtrain/bench/")) {
                    our = shortFrame(frames[i]);
                    break;
                }
            }
            ours.merge(our, n, Integer::sum);
        }
        StringBuilder sb = new StringBuilder();
        sb.append(collapsed.getFileName()).append(String.format(Locale.ROOT,
                ": %d CPU samples of 5 ms (%.1f CPU-seconds) from the first row read to the job's end, every thread "
                        + "(async-profiler, interval timer)%n", total, total * 0.005));
        table(sb, "CPU by thread", threads, total);
        table(sb, "CPU by top frame (self time)", topFrames, total);
        table(sb, "CPU by innermost streamtrain frame", ours, total);
        return sb.toString();
    }

    /**
     * Summarizes the wall-clock samples async-profiler wrote over the measured interval ({@code
     * --profile-event wall}): for each Flink task thread (a chain of operators, named like {@code
     * gradient-worker (1/2)}, and each source's fetcher thread), the share of its time spent waiting for input (its mailbox empty),
     * stopped for the garbage collector, waiting in a Kafka client's poll, and under each innermost
     * streamtrain frame (else its top frame). A job bound by its latency shows every thread waiting
     * much of the time; one bound by a thread shows that thread busy.
     */
    static String summarizeWall(Path collapsed) throws IOException {
        Map<String, Map<String, Integer>> byThread = new TreeMap<>();
        Map<String, Integer> totals = new HashMap<>();
        for (Stack stack : readCollapsed(collapsed)) {
            String[] frames = stack.frames();
            int n = stack.samples();
            String thread = threadName(frames[0]);
            if (!TASK_THREAD.matcher(thread).matches() || thread.contains("Time Trigger for ")) {
                continue;
            }
            totals.merge(thread, n, Integer::sum);
            byThread.computeIfAbsent(thread, t -> new HashMap<>()).merge(wallState(frames), n, Integer::sum);
        }
        StringBuilder sb = new StringBuilder();
        // async-profiler samples a bounded number of threads a tick, so a thread's samples are a
        // share of its time, not 5 ms each
        sb.append(collapsed.getFileName()).append(": wall-clock samples of each Flink task thread, running or waiting, "
                + "from the first row read to the job's end (async-profiler, wall, every 5 ms a few threads)\n");
        for (Map.Entry<String, Map<String, Integer>> e : byThread.entrySet()) {
            int total = totals.get(e.getKey());
            table(sb, String.format(Locale.ROOT, "%s (%d samples)", e.getKey(), total), e.getValue(), total);
        }
        return sb.toString();
    }

    /** One line of async-profiler's collapsed output: the frames, thread first, and how many samples. */
    private record Stack(String[] frames, int samples) {}

    private static List<Stack> readCollapsed(Path collapsed) throws IOException {
        List<Stack> stacks = new ArrayList<>();
        for (String line : Files.readAllLines(collapsed)) {
            int space = line.lastIndexOf(' ');
            if (space > 0) {
                stacks.add(new Stack(line.substring(0, space).split(";"),
                        Integer.parseInt(line.substring(space + 1).trim())));
            }
        }
        return stacks;
    }

    /**
     * A Flink task thread (operator names, then the subtask as {@code (i/n)}) or a source's fetcher
     * thread, named after its task; the tasks' timer threads are left out.
     */
    private static final Pattern TASK_THREAD = Pattern.compile(".+ \\(\\d+/\\d+\\)");

    /** What a wall-clock sample of a task thread shows it doing. */
    static String wallState(String[] frames) {
        String stack = String.join(";", frames);
        if (stack.contains("[GC_active]")) {
            return "stopped for the garbage collector";
        }
        if (stack.contains("TaskMailboxImpl.take")) {
            return "waiting for input (mailbox empty)";
        }
        if (stack.contains("network/Selector.select")) {
            return "waiting in a Kafka client's poll";
        }
        for (int i = frames.length - 1; i > 0; i--) {
            if (frames[i].startsWith("io/streamtrain/") && !frames[i].startsWith("io/streamtrain/bench/")) {
                return shortFrame(frames[i]);
            }
        }
        return shortFrame(frames[frames.length - 1]);
    }

    /** A thread's name without its ids; the JIT compilers' threads as one, the collector's as one. */
    static String threadGroup(String frame) {
        String name = threadName(frame);
        if (name.contains("CompilerThre")) {
            return "JIT compilers (C1, C2)";
        }
        if (name.startsWith("GC Thread") || name.equals("VM Thread") || name.startsWith("G1 ")) {
            return "garbage collector (and the VM thread)";
        }
        return name.replaceAll("producer-\\d+", "producer-N").replaceAll("adminclient-\\d+", "adminclient-N")
                .replaceAll("dispatcher-\\d+", "dispatcher-N").replaceAll("thread-\\d+$", "thread-N");
    }

    /** The thread's name in a collapsed stack's first frame, without its brackets and ids. */
    private static String threadName(String frame) {
        return frame.replaceAll("^\\[|\\]$", "").replaceAll(" tid=\\d+$", "").replaceAll("#\\d+$", "");
    }

    /** {@code io/streamtrain/nn/Adam.update} as {@code Adam.update}; native frames as they are. */
    private static String shortFrame(String frame) {
        int slash = frame.lastIndexOf('/');
        return slash >= 0 && frame.indexOf('.', slash) > 0 ? frame.substring(slash + 1) : frame;
    }

    static String summarize(Path jfr, long fromMillis, long toMillis) throws IOException {
        Counts java = new Counts();
        Counts nativeCode = new Counts();
        for (RecordedEvent e : RecordingFile.readAllEvents(jfr)) {
            long t = e.getStartTime().toEpochMilli();
            if ((fromMillis > 0 && t < fromMillis) || (toMillis > 0 && t > toMillis)) {
                continue;
            }
            String type = e.getEventType().getName();
            if (type.equals("jdk.ExecutionSample")) {
                java.add(e);
            } else if (type.equals("jdk.NativeMethodSample") && isMath(e.getStackTrace())) {
                nativeCode.add(e);
            }
        }
        StringBuilder sb = new StringBuilder();
        sb.append(jfr.getFileName()).append(": ").append(java.samples).append(" samples in Java code (jdk.ExecutionSample), ")
                .append(nativeCode.samples).append(" in native code under ND4J or streamtrain (jdk.NativeMethodSample)");
        if (fromMillis > 0) {
            sb.append(String.format(Locale.ROOT, ", over the %.1f s measured", (toMillis - fromMillis) / 1000.0));
        }
        sb.append("\n");
        table(sb, "Java samples by thread (a Flink task thread runs a chain of operators)", java.threads, java.samples);
        table(sb, "Java samples by top frame (self time)", java.topFrames, java.samples);
        table(sb, "Java samples by innermost streamtrain frame", java.ours, java.samples);
        table(sb, "native samples by thread", nativeCode.threads, nativeCode.samples);
        table(sb, "native samples by innermost streamtrain frame", nativeCode.ours, nativeCode.samples);
        return sb.toString();
    }

    /** Samples counted three ways. */
    private static final class Counts {
        final Map<String, Integer> threads = new HashMap<>();
        final Map<String, Integer> topFrames = new HashMap<>();
        final Map<String, Integer> ours = new HashMap<>();
        int samples;

        void add(RecordedEvent e) {
            RecordedStackTrace stack = e.getStackTrace();
            if (stack == null || stack.getFrames().isEmpty()) {
                return;
            }
            samples++;
            String thread = e.getThread("sampledThread") == null ? null : e.getThread("sampledThread").getJavaName();
            threads.merge(thread == null ? "?" : thread.replaceAll("#\\d+$", ""), 1, Integer::sum);
            topFrames.merge(frame(stack.getFrames().get(0)), 1, Integer::sum);
            String our = "(no streamtrain frame)";
            for (RecordedFrame f : stack.getFrames()) {
                if (f.getMethod().getType().getName().startsWith("io.streamtrain.")) {
                    our = frame(f);
                    break;
                }
            }
            ours.merge(our, 1, Integer::sum);
        }
    }

    private static boolean isMath(RecordedStackTrace stack) {
        if (stack == null) {
            return false;
        }
        for (RecordedFrame f : stack.getFrames()) {
            String type = f.getMethod().getType().getName();
            if (type.startsWith("org.nd4j.") || type.startsWith("io.streamtrain.")) {
                return true;
            }
        }
        return false;
    }

    private static String frame(RecordedFrame f) {
        String type = f.getMethod().getType().getName();
        return type.substring(type.lastIndexOf('.') + 1) + "." + f.getMethod().getName();
    }

    private static void table(StringBuilder sb, String title, Map<String, Integer> counts, int total) {
        sb.append("\n").append(title).append(":\n");
        List<Map.Entry<String, Integer>> entries = new ArrayList<>(counts.entrySet());
        entries.sort(Map.Entry.<String, Integer>comparingByValue().reversed());
        for (Map.Entry<String, Integer> e : entries.subList(0, Math.min(TOP, entries.size()))) {
            sb.append(String.format(Locale.ROOT, "  %5.1f%%  %6d  %s%n", 100.0 * e.getValue() / Math.max(1, total),
                    e.getValue(), e.getKey()));
        }
    }
}
