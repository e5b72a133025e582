package io.streamtrain.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The summary of async-profiler's collapsed stacks: threads grouped, frames shortened, shares exact. */
class ProfileSummaryTest {
    @TempDir
    Path dir;

    @Test
    void collapsedStacksAreCountedByThreadGroupTopFrameAndStreamtrainFrame() throws Exception {
        Path file = Files.writeString(dir.resolve("e2e-p2-r0.collapsed"), String.join("\n",
                "[C2 CompilerThre tid=11];start_thread;C2Compiler::compile_method 30",
                "[C1 CompilerThre tid=12];start_thread;Compilation::compile_method 10",
                "[GC Thread#0 tid=13];start_thread;PSScavenge::invoke 15",
                "[GC Thread#1 tid=14];start_thread;PSScavenge::invoke 5",
                "[gradient-worker (1/2)#0 tid=20];java/lang/Thread.run;io/streamtrain/job/ComputeGradients.compute;"
                        + "io/streamtrain/nn/Adam.update 25",
                "[gradient-worker (1/2)#0 tid=20];java/lang/Thread.run;io/streamtrain/job/ComputeGradients.compute;"
                        + "libopenblas.so;sgemm_kernel 10",
                "[kafka-producer-network-thread | producer-3 tid=30];java/lang/Thread.run;"
                        + "io/streamtrain/bench/FlinkRun.run;org/apache/kafka/common/utils/Crc32C.compute 5",
                ""));
        String summary = ProfileSummary.summarizeCollapsed(file);
        assertThat(summary).startsWith("e2e-p2-r0.collapsed: 100 CPU samples of 5 ms (0.5 CPU-seconds)");
        assertThat(summary).contains("   40.0%      40  JIT compilers (C1, C2)")
                .contains("   35.0%      35  gradient-worker (1/2)")
                .contains("   20.0%      20  garbage collector (and the VM thread)")
                .contains("    5.0%       5  kafka-producer-network-thread | producer-N")
                .contains("   25.0%      25  Adam.update")
                .contains("   10.0%      10  sgemm_kernel")
                .contains("   10.0%      10  ComputeGradients.compute")
                .contains("   65.0%      65  (no streamtrain frame)");
    }

    @Test
    void wallClockSamplesShowWhatEachTaskThreadWaitsFor() throws Exception {
        Path file = Files.writeString(dir.resolve("e2e-p2-r0.collapsed"), String.join("\n",
                "[gradient-worker (1/2)#0 tid=20];java/lang/Thread.run;org/apache/flink/streaming/runtime/tasks/"
                        + "mailbox/TaskMailboxImpl.take;__futex_abstimed_wait_common 60",
                "[gradient-worker (1/2)#0 tid=20];java/lang/Thread.run;io/streamtrain/job/ComputeGradients.compute;"
                        + "io/streamtrain/nn/DenseNetwork.gradient;libopenblas.so 25",
                "[gradient-worker (1/2)#0 tid=20];[GC_active];__futex_abstimed_wait_common 15",
                "[Source Data Fetcher for Source: params-source (1/1)#0 tid=21];java/lang/Thread.run;"
                        + "org/apache/kafka/common/network/Selector.select;epoll_wait 30",
                "[Source Data Fetcher for Source: params-source (1/1)#0 tid=21];java/lang/Thread.run;"
                        + "org/apache/kafka/common/utils/Utils.toArray 10",
                "[C2 CompilerThre tid=11];start_thread;C2Compiler::compile_method 99",
                "[System Time Trigger for gradient-worker (1/2)#0 tid=22];java/lang/Thread.run;park 40",
                ""));
        String summary = ProfileSummary.summarizeWall(file);
        assertThat(summary).startsWith("e2e-p2-r0.collapsed: wall-clock samples of each Flink task thread")
                .contains("gradient-worker (1/2) (100 samples):\n"
                        + "   60.0%      60  waiting for input (mailbox empty)\n"
                        + "   25.0%      25  DenseNetwork.gradient\n"
                        + "   15.0%      15  stopped for the garbage collector\n")
                .contains("Source Data Fetcher for Source: params-source (1/1) (40 samples):\n"
                        + "   75.0%      30  waiting in a Kafka client's poll\n"
                        + "   25.0%      10  Utils.toArray\n")
                .doesNotContain("C2").doesNotContain("System Time Trigger");
    }
}
