package io.pgha.concurrent;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The loop scaffold of the keeper and the sentinel (first run at once, triggers coalesce, failures never end it)
 * and its log-once companion.
 */
class PacedLoopTest {
    private static final Duration TICK = Duration.ofMillis(20);
    private PacedLoop loop;

    @AfterEach
    void stop() {
        if (loop != null) {
            loop.stop(Duration.ofSeconds(1));
        }
    }

    @Test
    void runsAtOnceThenOnlyWhenTriggeredOrTheIntervalPassed() {
        AtomicInteger runs = new AtomicInteger();
        loop = new PacedLoop("test-loop", TICK, () -> Duration.ofHours(1), 0, runs::incrementAndGet, e -> { });
        loop.start();
        await().atMost(Duration.ofSeconds(2)).until(() -> runs.get() == 1);
        await().during(Duration.ofMillis(200)).atMost(Duration.ofSeconds(1)).until(() -> runs.get() == 1);
        for (int i = 0; i < 50; i++) {
            loop.trigger(); // a burst between two ticks costs one or two runs, not fifty
        }
        await().atMost(Duration.ofSeconds(2)).until(() -> runs.get() >= 2);
        await().during(Duration.ofMillis(200)).atMost(Duration.ofSeconds(1)).until(() -> runs.get() <= 3);
    }

    @Test
    void aTriggerRunsTheStepWithoutWaitingForTheNextTick() {
        List<Long> runs = new CopyOnWriteArrayList<>();
        loop = new PacedLoop("test-loop", Duration.ofSeconds(5), () -> Duration.ofHours(1), 0,
                () -> runs.add(System.nanoTime()), e -> { });
        loop.start();
        await().atMost(Duration.ofSeconds(2)).until(() -> runs.size() == 1);
        for (int i = 0; i < 5; i++) {
            long triggered = System.nanoTime();
            loop.trigger();
            int expected = i + 2;
            await().atMost(Duration.ofSeconds(2)).until(() -> runs.size() >= expected);
            assertThat((runs.get(expected - 1) - triggered) / 1_000_000).as("ms from trigger %d to its run", i)
                    .isLessThan(1000);
        }
    }

    @Test
    void aStepThatTriggersItselfRunsAtMostEveryMinGap() {
        AtomicInteger runs = new AtomicInteger();
        PacedLoop[] self = new PacedLoop[1];
        loop = new PacedLoop("test-loop", Duration.ofSeconds(5), () -> Duration.ofHours(1), 0, () -> {
            runs.incrementAndGet();
            self[0].trigger();
        }, e -> { });
        self[0] = loop;
        loop.start();
        await().atMost(Duration.ofSeconds(2)).until(() -> runs.get() >= 1);
        long from = System.nanoTime();
        int first = runs.get();
        await().atMost(Duration.ofSeconds(5)).until(() -> runs.get() >= first + 10);
        // Ten gaps of at least MIN_GAP each (less 10 ms of clock slack); without the gap, ten runs take well under
        // a millisecond.
        assertThat((System.nanoTime() - from) / 1_000_000).as("ms for ten self-triggered runs")
                .isGreaterThanOrEqualTo(10 * PacedLoop.MIN_GAP.toMillis() - 10);
    }

    @Test
    void aShortIntervalRunsTheStepWithoutTriggers() {
        AtomicInteger runs = new AtomicInteger();
        loop = new PacedLoop("test-loop", TICK, () -> Duration.ofMillis(60), 0, runs::incrementAndGet, e -> { });
        loop.start();
        await().atMost(Duration.ofSeconds(2)).until(() -> runs.get() >= 4);
    }

    @Test
    void aFailingStepIsRetriedQuicklyAFewTimesThenAtTheIntervalAndTheLoopGoesOn() {
        List<Long> attempts = new CopyOnWriteArrayList<>();
        List<Throwable> failures = new CopyOnWriteArrayList<>();
        loop = new PacedLoop("test-loop", TICK, () -> Duration.ofMillis(600), 3, () -> {
            attempts.add(System.nanoTime());
            throw new IllegalStateException("attempt " + attempts.size());
        }, failures::add);
        loop.start();
        await().atMost(Duration.ofSeconds(3)).until(() -> attempts.size() >= 5);
        long quick = (attempts.get(3) - attempts.get(0)) / 1_000_000;
        long slow = (attempts.get(4) - attempts.get(3)) / 1_000_000;
        assertThat(quick).as("three quick retries, a tick apart").isLessThan(450);
        assertThat(slow).as("then the interval").isGreaterThanOrEqualTo(550);
        assertThat(failures).hasSizeGreaterThanOrEqualTo(5);
        assertThat(failures.get(0)).hasMessage("attempt 1");
        assertThat(loop.running()).isTrue();
    }

    @Test
    void aChangedMessageIsLetThroughOnceUntilItChangesOrIsReset() {
        ChangedMessage m = new ChangedMessage();
        assertThat(m.isNew("a")).isTrue();
        assertThat(m.isNew("a")).isFalse();
        assertThat(m.isNew("b")).isTrue();
        m.reset();
        assertThat(m.isNew("b")).isTrue();
    }
}
