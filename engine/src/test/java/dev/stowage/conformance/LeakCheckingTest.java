package dev.stowage.conformance;

import static org.assertj.core.api.Assertions.assertThat;

import dev.stowage.log.LogFollower;
import dev.stowage.log.LogStore;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;

/**
 * Base of tests that must leave nothing behind: every logstore and follower closed, every segment mapping
 * released, every {@code stowage-*} thread ended. A test that leaks fails, naming what it leaked.
 * Threads get a short grace period to finish exiting after their owner closed them.
 */
public abstract class LeakCheckingTest {
    private static final long GRACE_MILLIS = 5_000;

    private int storesBefore;
    private int followersBefore;
    private int mappingsBefore;
    private Set<Thread> threadsBefore;

    @BeforeEach
    void recordResourcesBefore() {
        storesBefore = LogStore.openStores();
        followersBefore = LogFollower.openFollowers();
        mappingsBefore = LogStore.liveMappings();
        threadsBefore = stowageThreads();
    }

    @AfterEach
    void checkNothingLeaked() throws InterruptedException {
        long deadline = System.currentTimeMillis() + GRACE_MILLIS;
        List<String> leakedThreads;
        do {
            leakedThreads = stowageThreads().stream().filter(t -> !threadsBefore.contains(t)).map(Thread::getName).toList();
            if (leakedThreads.isEmpty()) {
                break;
            }
            Thread.sleep(10);
        } while (System.currentTimeMillis() < deadline);
        assertThat(leakedThreads).as("threads left running").isEmpty();
        assertThat(LogStore.openStores()).as("logstores left open").isEqualTo(storesBefore);
        assertThat(LogFollower.openFollowers()).as("followers left open").isEqualTo(followersBefore);
        assertThat(LogStore.liveMappings()).as("segment mappings left mapped").isEqualTo(mappingsBefore);
    }

    private static Set<Thread> stowageThreads() {
        return Thread.getAllStackTraces().keySet().stream().filter(t -> t.getName().startsWith("stowage-") && t.isAlive())
            .collect(Collectors.toSet());
    }
}
