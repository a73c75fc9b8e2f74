package io.pgha.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The behaviour every {@link ClusterStore} backend must show, run against a real server. Subclasses
 * provide the server and its failure modes (restart, freeze).
 */
public abstract class ClusterStoreContract {
    private static final AtomicInteger CLUSTERS = new AtomicInteger();

    private final List<AutoCloseable> closeables = new CopyOnWriteArrayList<>();
    protected String root;

    /** The session TTL the tests use (backends may have a minimum). */
    protected Duration ttl() {
        return Duration.ofSeconds(2);
    }

    /** How long after its owner dies an ephemeral key may still exist. */
    protected Duration expiryAllowance() {
        return ttl().plusSeconds(3);
    }

    /** A new client for the given key root. */
    protected abstract ClusterStore connect(String root);

    protected abstract void restartServer();

    protected abstract void freezeServer();

    protected abstract void thawServer();

    @BeforeEach
    void newRoot() {
        root = "pgha/contract-" + CLUSTERS.incrementAndGet() + "-" + System.nanoTime() + "/";
    }

    @AfterEach
    void closeAll() throws Exception {
        for (AutoCloseable c : closeables) {
            c.close();
        }
    }

    protected <T extends AutoCloseable> T closeLater(T c) {
        closeables.add(0, c);
        return c;
    }

    protected ClusterStore store() {
        return closeLater(connect(root));
    }

    @Test
    void getReturnsValueWithRevisionAndEmptyWhenAbsent() {
        ClusterStore s = store();
        assertThat(s.get("clusterdata")).isEmpty();
        long rev = s.put("clusterdata", "{\"a\":1}");
        Versioned<String> v = s.get("clusterdata").orElseThrow();
        assertThat(v.key()).isEqualTo("clusterdata");
        assertThat(v.value()).isEqualTo("{\"a\":1}");
        assertThat(v.revision()).isEqualTo(rev).isPositive();
    }

    @Test
    void casWithStaleRevisionIsRejectedAndReturnsCurrentValue() {
        ClusterStore s = store();
        CasResult created = s.compareAndPut("clusterdata", "v1", 0);
        assertThat(created.succeeded()).isTrue();
        CasResult second = s.compareAndPut("clusterdata", "v2", created.revision());
        assertThat(second.succeeded()).isTrue();

        CasResult stale = s.compareAndPut("clusterdata", "v3", created.revision());

        assertThat(stale.succeeded()).isFalse();
        assertThat(stale.current()).map(Versioned::value).contains("v2");
        assertThat(stale.current()).map(Versioned::revision).contains(second.revision());
        assertThat(s.get("clusterdata")).map(Versioned::value).contains("v2");
    }

    @Test
    void createIfAbsentFailsOnAnExistingKey() {
        ClusterStore s = store();
        s.put("history", "old");
        CasResult r = s.compareAndPut("history", "new", 0);
        assertThat(r.succeeded()).isFalse();
        assertThat(r.current()).map(Versioned::value).contains("old");
        assertThat(s.get("history")).map(Versioned::value).contains("old");
    }

    @Test
    void listReturnsOnlyKeysUnderThePrefixInKeyOrder() {
        ClusterStore s = store();
        s.put("keepers/k2", "2");
        s.put("keepers/k1", "1");
        s.put("keepersx", "not under keepers/");
        s.put("proxies/p1", "p");
        assertThat(s.list("keepers/")).extracting(Versioned::key).containsExactly("keepers/k1", "keepers/k2");
        assertThat(s.list("keepers/")).extracting(Versioned::value).containsExactly("1", "2");
    }

    @Test
    void compareAndDeleteOnlyDeletesTheExpectedRevision() {
        ClusterStore s = store();
        long r1 = s.put("k", "1");
        long r2 = s.put("k", "2");
        assertThat(s.compareAndDelete("k", r1)).isFalse();
        assertThat(s.get("k")).isPresent();
        assertThat(s.compareAndDelete("k", r2)).isTrue();
        assertThat(s.get("k")).isEmpty();
    }

    @Test
    void ephemeralKeyDisappearsWithinTheTtlAfterItsOwnerStopsKeepingItAlive() {
        ClusterStore owner = store();
        ClusterStore observer = store();
        StoreSession session = owner.openSession(ttl(), reason -> { });
        session.putEphemeral("keepers/k1", "alive");
        // Kept alive well past its TTL while the owner lives.
        await().during(ttl().plusSeconds(1)).atMost(expiryAllowance())
                .until(() -> observer.get("keepers/k1").isPresent());

        session.abandon(); // the owner "dies": keep-alives stop, nothing is revoked
        long abandonedAt = System.nanoTime();

        await().atMost(expiryAllowance()).until(() -> observer.get("keepers/k1").isEmpty());
        assertThat(Duration.ofNanos(System.nanoTime() - abandonedAt)).isGreaterThanOrEqualTo(ttl().minusMillis(500));
    }

    @Test
    void closingASessionDeletesItsKeysAtOnce() {
        ClusterStore s = store();
        StoreSession session = s.openSession(ttl(), reason -> { });
        session.putEphemeral("proxies/p1", "x");
        session.close();
        assertThat(s.get("proxies/p1")).isEmpty();
        assertThat(session.isAlive()).isFalse();
        assertThatThrownBy(() -> session.putEphemeral("proxies/p1", "y")).isInstanceOf(StoreException.class);
    }

    @Test
    void prefixWatchSeesPutsAndDeletesInOrder() {
        ClusterStore s = store();
        List<WatchEvent> seen = new CopyOnWriteArrayList<>();
        closeLater(s.watch("keepers/", true, seen::addAll));
        s.put("unrelated", "x");
        s.put("keepers/a", "1");
        s.put("keepers/b", "2");
        s.put("keepers/a", "3");
        s.delete("keepers/b");

        await().atMost(Duration.ofSeconds(5)).until(() -> seen.size() >= 4);
        assertThat(seen).extracting(e -> e.type() + " " + e.key() + " " + e.value()).containsExactly(
                "PUT keepers/a 1", "PUT keepers/b 2", "PUT keepers/a 3", "DELETE keepers/b null");
        assertThat(seen).extracting(WatchEvent::revision).isSorted();
    }

    @Test
    void keyWatchIgnoresOtherKeys() {
        ClusterStore s = store();
        List<WatchEvent> seen = new CopyOnWriteArrayList<>();
        closeLater(s.watch("clusterdata", false, seen::addAll));
        s.put("clusterdataX", "other");
        s.put("clusterdata", "mine");
        await().atMost(Duration.ofSeconds(5)).until(() -> !seen.isEmpty());
        assertThat(seen).extracting(WatchEvent::key).containsOnly("clusterdata");
    }

    @Test
    void watchKeepsDeliveringAfterTheServerRestarts() {
        ClusterStore s = store();
        List<WatchEvent> seen = new CopyOnWriteArrayList<>();
        closeLater(s.watch("keepers/", true, seen::addAll));
        s.put("keepers/before", "1");
        await().atMost(Duration.ofSeconds(5)).until(() -> seen.size() == 1);

        restartServer();

        await().atMost(Duration.ofSeconds(20)).ignoreExceptions()
                .until(() -> s.put("keepers/after", "2") > 0);
        await().atMost(Duration.ofSeconds(20)).until(() -> seen.stream().anyMatch(e -> e.key().equals(
                "keepers/after")));
        assertThat(seen).extracting(WatchEvent::key).containsExactly("keepers/before", "keepers/after");
    }

    @Test
    void exactlyOneOfTwoCandidatesLeadsAndTheOtherTakesOverWhenTheLeadersSessionEnds() {
        ClusterStore s1 = store();
        ClusterStore s2 = store();
        RecordingListener l1 = new RecordingListener();
        RecordingListener l2 = new RecordingListener();
        LeaderElection e1 = closeLater(new LeaderElection(s1, StoreKeys.SENTINEL_LEADER, "s1", ttl(), l1));
        LeaderElection e2 = closeLater(new LeaderElection(s2, StoreKeys.SENTINEL_LEADER, "s2", ttl(), l2));
        e1.start();
        e2.start();

        await().atMost(Duration.ofSeconds(10)).until(() -> e1.isLeader() || e2.isLeader());
        await().during(ttl()).atMost(ttl().plusSeconds(2)).until(() -> e1.isLeader() ^ e2.isLeader());
        LeaderElection leader = e1.isLeader() ? e1 : e2;
        LeaderElection follower = leader == e1 ? e2 : e1;
        RecordingListener leaderListener = leader == e1 ? l1 : l2;
        String leaderId = leader == e1 ? "s1" : "s2";
        assertThat(follower.currentLeader()).contains(leaderId);

        // The leader's store client goes silent, as a crashed or partitioned sentinel would.
        leader.abandon();
        long lostAt = System.nanoTime();

        await().atMost(expiryAllowance()).until(follower::isLeader);
        assertThat(Duration.ofNanos(System.nanoTime() - lostAt)).isLessThan(expiryAllowance());
        await().atMost(ttl().plusSeconds(1)).until(() -> leaderListener.events.contains("notLeader"));
        assertThat(leader.isLeader()).isFalse();
        assertThat(leaderListener.events).containsExactly("isLeader", "notLeader");
    }

    @Test
    void resignHandsLeadershipToTheOtherCandidate() {
        ClusterStore s1 = store();
        ClusterStore s2 = store();
        RecordingListener l1 = new RecordingListener();
        LeaderElection e1 = closeLater(new LeaderElection(s1, StoreKeys.SENTINEL_LEADER, "s1", ttl(), l1));
        e1.start();
        await().atMost(Duration.ofSeconds(10)).until(e1::isLeader);
        LeaderElection e2 = closeLater(new LeaderElection(s2, StoreKeys.SENTINEL_LEADER, "s2", ttl(),
                new RecordingListener()));
        e2.start();

        e1.resign();

        assertThat(l1.events).containsExactly("isLeader", "notLeader");
        await().atMost(Duration.ofSeconds(3)).until(e2::isLeader);
        assertThat(e2.currentLeader()).contains("s2");
    }

    @Test
    void callsFailWithATimeoutWhileTheServerIsFrozenAndSucceedAfterItResumes() {
        ClusterStore s = store();
        s.put("clusterdata", "v1");
        freezeServer();
        try {
            long start = System.nanoTime();
            assertThatThrownBy(() -> s.get("clusterdata"))
                    .isInstanceOf(StoreException.class)
                    .hasMessageContaining("get clusterdata")
                    .hasMessageContaining("timed out");
            assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(s.timeout().plusSeconds(2));
            assertThatThrownBy(s::ping).isInstanceOf(StoreException.class);
        } finally {
            thawServer();
        }
        await().atMost(Duration.ofSeconds(15)).ignoreExceptions()
                .until(() -> s.get("clusterdata").map(Versioned::value), v -> v.equals(Optional.of("v1")));
    }

    @Test
    void registrationIsRepublishedAfterItsSessionIsLost() {
        ClusterStore owner = store();
        ClusterStore observer = store();
        EphemeralRegistration reg = closeLater(new EphemeralRegistration(owner, "proxies/p1", ttl()));
        reg.update("gen-1");
        await().atMost(Duration.ofSeconds(5)).until(() -> observer.get("proxies/p1").map(Versioned::value)
                .equals(Optional.of("gen-1")));

        freezeServer(); // longer than the TTL: the session is lost on the owner's side
        try {
            await().atMost(expiryAllowance()).until(() -> !reg.isPublished());
        } finally {
            thawServer();
        }
        reg.update("gen-2");

        await().atMost(Duration.ofSeconds(15)).ignoreExceptions().until(() -> observer.get("proxies/p1")
                .map(Versioned::value).equals(Optional.of("gen-2")));
        assertThat(reg.isPublished()).isTrue();
    }

    @Test
    void aRegistrationWhoseKeyVanishedBehindItsBackWritesItAgain() {
        ClusterStore owner = store();
        ClusterStore observer = store();
        EphemeralRegistration reg = closeLater(new EphemeralRegistration(owner, "proxies/p2", ttl()));
        reg.update("gen-1");
        await().atMost(Duration.ofSeconds(5)).until(() -> observer.get("proxies/p2").isPresent() && reg.isLive());

        observer.delete("proxies/p2"); // as a lease lost where its keep-alives were still acknowledged would
        await("the key written again").atMost(ttl().multipliedBy(3)).pollInterval(Duration.ofMillis(100))
                .until(() -> observer.get("proxies/p2").map(Versioned::value).equals(Optional.of("gen-1")));
        assertThat(reg.isLive()).isTrue();
    }

    static final class RecordingListener implements LeaderElection.Listener {
        final List<String> events = new CopyOnWriteArrayList<>();

        @Override
        public void isLeader() {
            events.add("isLeader");
        }

        @Override
        public void notLeader() {
            events.add("notLeader");
        }
    }
}
