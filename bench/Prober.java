import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;

/**
 * Writes through an address every interval and prints one line per outcome change, with epoch milliseconds:
 * "ok <ms>" for the first success after failures, "fail <ms> <reason>" for the first failure after successes,
 * and "last-ok <ms>" (the last success before that failure). A new connection is opened after any failure.
 *   java -cp postgresql.jar bench/Prober.java <port> <password> <intervalMs>
 */
public class Prober {
    public static void main(String[] args) throws Exception {
        String url = "jdbc:postgresql://127.0.0.1:" + args[0] + "/postgres?connectTimeout=1&socketTimeout=2"
                + "&tcpKeepAlive=true";
        String password = args[1];
        long interval = Long.parseLong(args[2]);
        Connection c = null;
        boolean up = false;
        long lastOk = 0;
        long n = 0;
        while (true) {
            long start = System.currentTimeMillis();
            try {
                if (c == null) {
                    c = DriverManager.getConnection(url, "postgres", password);
                    try (Statement st = c.createStatement()) {
                        st.execute("CREATE TABLE IF NOT EXISTS probe (n bigint, at timestamptz DEFAULT now())");
                    }
                }
                try (Statement st = c.createStatement()) {
                    st.execute("INSERT INTO probe (n) VALUES (" + (++n) + ")");
                }
                long now = System.currentTimeMillis();
                if (!up) {
                    System.out.println("ok " + now);
                    up = true;
                }
                lastOk = now;
            } catch (SQLException e) {
                if (up) {
                    System.out.println("last-ok " + lastOk);
                    System.out.println("fail " + System.currentTimeMillis() + " " + e.getMessage().replace('\n', ' '));
                    up = false;
                }
                if (c != null) {
                    try {
                        c.close();
                    } catch (SQLException ignored) {
                        // already broken
                    }
                    c = null;
                }
            }
            System.out.flush();
            long sleep = interval - (System.currentTimeMillis() - start);
            if (sleep > 0) {
                Thread.sleep(sleep);
            }
        }
    }
}
