package io.pgha.sentinel.planner;

import io.pgha.model.DB;
import io.pgha.model.Keeper;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * Which standby holds every commit the master acknowledged, when the synchronous set does not say it directly:
 * under quorum commit ({@code ANY n} of m names), and for earlier configurations a master had (see
 * {@link DB.EarlierSynchronousSet}). Each commit was confirmed by n of the m; any m − n + 1 of them include one
 * that confirmed it; WAL is one stream, so the most advanced of those holds every commit any of them holds. Hence:
 * promote only when at least m − n + 1 members report a position, and only a standby at least as far as the most
 * advanced of them.
 */
final class SynchronousGuarantee {
    private SynchronousGuarantee() {
    }

    /** One configuration: {@code size} names ({@code members} plus placeholders), any {@code quorum} confirm. */
    record Config(List<String> members, int size, int quorum) {
        Config {
            members = List.copyOf(members);
        }

        /** How many members must report for the most advanced of them to hold every acknowledged commit. */
        int needed() {
            return size - quorum + 1;
        }

        /**
         * Whether this configuration's rule also finds every commit acknowledged under {@code earlier}: it names
         * all of earlier's members and needs no more confirmations than earlier did, so any member group this
         * rule requires to report misses fewer of earlier's members than confirmed each of its commits.
         */
        boolean includes(Config earlier) {
            return members.containsAll(earlier.members()) && earlier.quorum() >= quorum;
        }

        String describe() {
            return (quorum == size ? "FIRST " : "ANY ") + quorum + " (" + String.join(", ", members)
                    + (size > members.size() ? " + " + (size - members.size()) + " placeholder(s)" : "") + ")";
        }
    }

    /**
     * What the members report: {@code shortfall} when too few of some configuration do (nobody may be promoted),
     * else the most advanced position among them, which a candidate must have reached.
     */
    record Verdict(Optional<String> shortfall, long highest, String highestDb) {
    }

    /** The master's synchronous configuration as its keeper applies it; empty when commits wait for nobody. */
    static Optional<Config> current(PlanContext c, DB m) {
        if (!m.spec().synchronousReplication()) {
            return Optional.empty();
        }
        List<String> members = m.spec().synchronousStandbys();
        Integer quorum = m.spec().synchronousQuorum();
        // The keeper pads the names with placeholders up to the quorum (ANY) or minSynchronousStandbys (FIRST).
        int size = Math.max(members.size(), quorum != null ? quorum : c.spec().minSynchronousStandbys());
        return size == 0 ? Optional.empty() : Optional.of(new Config(members, size, quorum != null ? quorum : size));
    }

    /** Whether failover must judge the set as a whole: quorum commit now, or an earlier configuration counts. */
    static boolean applies(DB m) {
        return quorum(m) || !m.status().earlierSynchronousSets().isEmpty();
    }

    static boolean quorum(DB m) {
        return m.spec().synchronousReplication() && m.spec().synchronousQuorum() != null;
    }

    /** Judges the current configuration (under quorum commit) and every earlier one that still counts. */
    static Verdict judge(PlanContext c, DB m) {
        List<Config> configs = new ArrayList<>();
        if (quorum(m)) {
            current(c, m).ifPresent(configs::add);
        }
        for (DB.EarlierSynchronousSet e : m.status().earlierSynchronousSets()) {
            configs.add(new Config(e.members(), e.size(), e.quorum()));
        }
        long highest = 0;
        String highestDb = null;
        for (Config config : configs) {
            List<String> reporting = new ArrayList<>();
            for (String uid : config.members()) {
                OptionalLong position = reportedPosition(c, m, uid);
                if (position.isPresent()) {
                    reporting.add(uid);
                    if (highestDb == null || position.getAsLong() > highest) {
                        highest = position.getAsLong();
                        highestDb = uid;
                    }
                }
            }
            if (reporting.size() < config.needed()) {
                return new Verdict(Optional.of("of the synchronous set " + config.describe() + " only "
                        + reporting.size() + " report" + (reporting.isEmpty() ? "" : " (" + String.join(", ",
                        reporting) + ")") + "; " + config.needed() + " must, to know which holds every acknowledged"
                        + " commit"), 0, null);
            }
        }
        return new Verdict(Optional.empty(), highest, highestDb);
    }

    /**
     * Keeps the master's earlier synchronous configurations that still count: records the one it had at the start
     * of this round when the new one does not include it (under or into quorum commit — with FIRST before and
     * after, every member confirmed every commit), notes the master's position once it applied the change, and forgets one once as
     * many members of the current set as confirm each commit received that position. Asynchronous replication
     * keeps none (the operator gave the guarantee up).
     */
    static void track(PlanContext c, DB before, String masterUid) {
        DB m = c.cd().dbs().get(masterUid);
        if (m == null) {
            return;
        }
        List<DB.EarlierSynchronousSet> sets = new ArrayList<>(m.status().earlierSynchronousSets());
        Optional<Config> now = current(c, m);
        if (now.isEmpty()) {
            sets.clear();
        } else {
            Optional<Config> was = before == null ? Optional.empty() : current(c, before);
            if (was.isPresent() && !now.get().includes(was.get()) && (quorum(before) || quorum(m))) {
                sets.add(new DB.EarlierSynchronousSet(was.get().members(), was.get().size(), was.get().quorum(),
                        m.generation(), 0));
            }
            Keeper mk = c.keeperOf(m);
            boolean applied = mk != null && c.freshReport(mk) && m.status().healthy();
            sets.replaceAll(e -> e.position() == 0 && applied && m.status().currentGeneration() >= e.generation()
                    ? e.at(m.status().walPosition()) : e);
            Config cur = now.get();
            sets.removeIf(e -> cur.includes(new Config(e.members(), e.size(), e.quorum()))
                    || e.position() > 0 && caughtUp(c, m, cur, e.position()) >= cur.quorum());
        }
        if (!sets.equals(m.status().earlierSynchronousSets())) {
            c.set(c.cd().withDb(m.withStatus(m.status().withEarlierSynchronousSets(sets))));
        }
    }

    private static long caughtUp(PlanContext c, DB m, Config config, long position) {
        return config.members().stream().map(uid -> reportedPosition(c, m, uid))
                .filter(p -> p.isPresent() && p.getAsLong() >= position).count();
    }

    /**
     * The WAL position a member reports just now (received and flushed), when it can be trusted for this master:
     * a standby of it, heard from just now, PostgreSQL answering, on the master's system and timeline.
     */
    static OptionalLong reportedPosition(PlanContext c, DB m, String uid) {
        DB d = c.cd().dbs().get(uid);
        if (d == null || d.spec().role() != DB.Role.STANDBY || !d.status().healthy()) {
            return OptionalLong.empty();
        }
        Keeper k = c.keeperOf(d);
        if (k == null || !k.status().healthy() || !c.freshReport(k)) {
            return OptionalLong.empty();
        }
        if (m.status().systemId() != null && !m.status().systemId().equals(d.status().systemId())
                || d.status().timelineId() != m.status().timelineId()) {
            return OptionalLong.empty();
        }
        return OptionalLong.of(d.status().walPosition());
    }
}
