package io.pgha.keeper.it;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;

/** Plain JDBC to a keeper's PostgreSQL as the superuser, for assertions on real data. */
final class Sql {
    private Sql() {
    }

    static Connection connect(int port) throws SQLException {
        return DriverManager.getConnection("jdbc:postgresql://127.0.0.1:" + port + "/postgres?connectTimeout=2&socketTimeout=60",
                "postgres", KeeperProcess.SUPERUSER_PASSWORD);
    }

    static void exec(int port, String sql) throws SQLException {
        try (Connection c = connect(port); Statement st = c.createStatement()) {
            st.execute(sql);
        }
    }

    /** First column of every row, as text. */
    static List<String> column(int port, String sql) throws SQLException {
        try (Connection c = connect(port); Statement st = c.createStatement(); ResultSet rs = st.executeQuery(sql)) {
            List<String> out = new ArrayList<>();
            while (rs.next()) {
                out.add(rs.getString(1));
            }
            return out;
        }
    }

    static String value(int port, String sql) throws SQLException {
        List<String> rows = column(port, sql);
        return rows.isEmpty() ? null : rows.get(0);
    }

    /** True when PostgreSQL on that port answers a query. */
    static boolean answers(int port) {
        try {
            return "1".equals(value(port, "SELECT 1"));
        } catch (SQLException e) {
            return false;
        }
    }
}
