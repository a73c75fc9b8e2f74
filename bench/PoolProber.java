import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;

/**
 * A HikariCP pool of N connections through an address, as an application would use it: N threads, each taking a
 * connection, inserting one row (autocommit) and giving it back every interval. The pool and the driver keep
 * their defaults (HikariCP connectionTimeout 30 s; pgjdbc connectTimeout 10 s). When the mark file holds a new
 * epoch-millisecond time (the bench writes it when it kills the primary), each thread prints
 * "recovered <mark> <thread> <ms>" at its first commit completed after that time.
 *   java -cp HikariCP.jar:slf4j-api.jar:postgresql.jar bench/PoolProber.java <port> <password> <threads> <intervalMs> <markFile>
 */
public class PoolProber {
    private static volatile long mark;

    public static void main(String[] args) throws Exception {
        int threads = Integer.parseInt(args[2]);
        long interval = Long.parseLong(args[3]);
        Path markFile = Path.of(args[4]);
        HikariConfig config = new HikariConfig();
        config.setJdbcUrl("jdbc:postgresql://127.0.0.1:" + args[0] + "/postgres?tcpKeepAlive=true");
        config.setUsername("postgres");
        config.setPassword(args[1]);
        config.setMaximumPoolSize(threads);
        config.setMinimumIdle(threads);
        config.setInitializationFailTimeout(-1);
        HikariDataSource pool = new HikariDataSource(config);
        try (Connection c = pool.getConnection(); Statement st = c.createStatement()) {
            st.execute("CREATE TABLE IF NOT EXISTS pool_probe (thread int, at timestamptz DEFAULT now())");
        }
        Thread watcher = new Thread(() -> {
            while (true) {
                try {
                    if (Files.exists(markFile)) {
                        mark = Long.parseLong(Files.readString(markFile).trim());
                    }
                    Thread.sleep(5);
                } catch (Exception e) {
                    // a half-written file: read it again
                }
            }
        });
        watcher.setDaemon(true);
        watcher.start();
        for (int i = 0; i < threads; i++) {
            int id = i;
            new Thread(() -> loop(pool, id, interval), "t" + i).start();
        }
        System.out.println("started " + threads);
        System.out.flush();
    }

    private static void loop(HikariDataSource pool, int id, long interval) {
        long reported = 0;
        while (true) {
            long start = System.currentTimeMillis();
            try (Connection c = pool.getConnection(); Statement st = c.createStatement()) {
                st.execute("INSERT INTO pool_probe (thread) VALUES (" + id + ")");
                long now = System.currentTimeMillis();
                long m = mark;
                if (m > reported && now > m) {
                    reported = m;
                    synchronized (System.out) {
                        System.out.println("recovered " + m + " t" + id + " " + now);
                        System.out.flush();
                    }
                }
            } catch (SQLException e) {
                // the pool hands out another connection next time
            }
            long sleep = interval - (System.currentTimeMillis() - start);
            if (sleep > 0) {
                try {
                    Thread.sleep(sleep);
                } catch (InterruptedException e) {
                    return;
                }
            }
        }
    }
}
